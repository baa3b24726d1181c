"""The channels: one module per channel type, each implementing the protocol of `protocol`. Pure — no I/O.

    protocol   the protocol (`ChannelModule`: NAME, configure, build, read) and its typed values: `Envelope`,
               `WireRequest`, `Reply` (`Fault`), `Answer` (`Outcome`), `ChannelError`
    common     what most channels share: headers, JSON bodies, drill endpoints, `Robot`, the HTTP and robot
               reply rules (what is worth retrying)
    registry   channel type → module (`REGISTRY`), and `Channels`: every channel configured from one Settings
               (drill mode: every endpoint under the drill base URL)
    webhook    signed JSON to the liaison's own URL (X-ParkLink-Signature)
    wecom      WeCom group robot (the address is the robot key)
    dingtalk   DingTalk robot (the access token; 加签 when a secret is set)
    feishu     Feishu/Lark bot (the hook id; signed when a secret is set)
    sms        HTTP SMS gateway, the body a sandboxed, strict Jinja2 template

`tasks.notify.sender` is the only thing doing HTTP: it builds with `Channels.build`, sends, and does what
`Channels.read` answers (delivered, retry on this channel, or move on to the next one).
"""

from tasks.notify.channels.protocol import (
                                        Answer,
                                        ChannelError,
                                        ChannelModule,
                                        Envelope,
                                        Fault,
                                        Outcome,
                                        Reply,
                                        WireRequest,
)
from tasks.notify.channels.registry import REGISTRY, Channels

__all__ = ["REGISTRY", "Answer", "ChannelError", "ChannelModule", "Channels", "Envelope", "Fault", "Outcome",
           "Reply", "WireRequest"]
