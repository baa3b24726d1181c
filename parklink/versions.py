"""What a deployment's version says: `<git short sha>-<playbook set hash prefix>` — which code, which playbooks."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Mapping
from pathlib import Path


def playbook_set_hash(hashes: Mapping[str, str]) -> str:
    """One hash of a set of playbooks, {id: playbook hash}: sha256 of the sorted `id:hash` lines."""
    return hashlib.sha256("\n".join(f"{k}:{hashes[k]}" for k in sorted(hashes)).encode()).hexdigest()


def deploy_version(commit: str, set_hash: str) -> str:
    """`<git short sha>-<first 12 characters of the playbook set hash>`."""
    return f"{commit}-{set_hash[:12]}"


def git_commit(directory: Path) -> str:
    """The short sha of the checkout's HEAD; outside a git checkout (the Docker image) `PARKLINK_COMMIT`, the
    image's build argument, else `nogit`."""
    try:
        out = subprocess.run(["git", "-C", str(directory), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        out = None
    if out is not None and out.returncode == 0 and out.stdout.strip():
        return out.stdout.strip()
    return os.environ.get("PARKLINK_COMMIT", "").strip() or "nogit"
