"""Settings of the notification channels, the acknowledgement service and drills (issue 5).

Mixed into `models.settings.Settings`, so every field is read from a PARKLINK_* variable. Secrets come only
from the environment (or a Prefect block the caller reads into the environment), never from the repo. Each
channel module (tasks/notify/channels/<type>.py) reads its own variables below into its own `Config`.

    PARKLINK_ACK_BASE_URL       public URL of `parklink serve`; every message carries <it>/ack/<token>
    PARKLINK_ACK_SECRET         server key that signs acknowledgement tokens (secret)
    PARKLINK_ACK_TTL_S          how long an acknowledgement link stays valid (default 86400 s)
    PARKLINK_WEBHOOK_SECRET     HMAC-SHA256 key of the generic webhook signature header (secret)
    PARKLINK_WECOM_URL          WeCom group robot endpoint (the liaison's address is the robot key)
    PARKLINK_DINGTALK_URL       DingTalk robot endpoint (the address is the access token)
    PARKLINK_DINGTALK_SECRET    DingTalk robot "加签" secret (secret; optional)
    PARKLINK_FEISHU_URL         Feishu/Lark bot endpoint (the address is the hook id)
    PARKLINK_FEISHU_SECRET      Feishu/Lark bot signature secret (secret; optional)
    PARKLINK_SMS_URL            HTTP SMS gateway URL (no default: SMS fails until it is set)
    PARKLINK_SMS_BODY_TEMPLATE  Jinja2 (sandboxed, strict) body; variables: to, text, ref, sender, api_key
    PARKLINK_SMS_CONTENT_TYPE   content type of that body (default application/json)
    PARKLINK_SMS_API_KEY        credential the template may use (secret)
    PARKLINK_DRILL_BASE_URL     drill mode: every channel is sent to this one base URL (a drill gateway)
    PARKLINK_NOTIFY_CONCURRENCY / _TIMEOUT_S / _RETRIES / _BACKOFF_S   sending limits
    PARKLINK_ACK_POLL_S         how often a waiting group looks for acknowledgements in the database
    PARKLINK_TIME_SCALE         deadlines are divided by it (drills run faster; default 1)
    PARKLINK_DRILL_TIME_SCALE   the time scale of an in-process drill (default 60: a minute lasts a second)
    PARKLINK_CHECK_WAIT_S       how long a liaison check waits for answers (default 300 s)
    PARKLINK_ESCALATION_CHAIN   default chain: deputy,duty,head,office_duty (a role, a duty step or a unit code)
    PARKLINK_OFFICE_UNIT        the leading-group office: told of stale liaisons after each check (ldzbgs)
    PARKLINK_CHECK_DAYS_BEFORE_HOLIDAY  the holiday check runs this many days before an important holiday (3)
"""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings

DEFAULT_SMS_TEMPLATE = '{"to": {{ to|tojson }}, "text": {{ text|tojson }}, "ref": {{ ref|tojson }}}'


class NotifySettings(BaseSettings):
    ack_base_url: str | None = Field(default=None, description="public base URL of the acknowledgement service")
    ack_secret: SecretStr | None = Field(default=None, description="server key for acknowledgement tokens")
    ack_ttl_s: int = Field(default=86400, ge=60, description="validity of an acknowledgement link")
    webhook_secret: SecretStr | None = None
    wecom_url: str = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
    dingtalk_url: str = "https://oapi.dingtalk.com/robot/send"
    dingtalk_secret: SecretStr | None = None
    feishu_url: str = "https://open.feishu.cn/open-apis/bot/v2/hook"
    feishu_secret: SecretStr | None = None
    sms_url: str | None = None
    sms_body_template: str = DEFAULT_SMS_TEMPLATE
    sms_content_type: str = "application/json"
    sms_api_key: SecretStr | None = None
    sms_sender: str = "ParkLink"
    drill_base_url: str | None = Field(default=None, description="drill: every channel points at this base URL")
    notify_concurrency: int = Field(default=16, ge=1, le=512)
    notify_timeout_s: float = Field(default=10.0, gt=0)
    notify_retries: int = Field(default=3, ge=0, le=10)
    notify_backoff_s: float = Field(default=1.0, ge=0)
    ack_poll_s: float = Field(default=2.0, gt=0)
    time_scale: float = Field(default=1.0, gt=0, description="deadlines are divided by it")
    drill_time_scale: float = Field(default=60.0, gt=0)
    check_wait_s: float = Field(default=300.0, gt=0)
    escalation_chain: str = "deputy,duty,head,office_duty"
    office_unit: str = Field(default="ldzbgs", max_length=40, description="the leading-group office's unit code")
    check_days_before_holiday: int = Field(default=3, ge=0, le=60)
