"""In what order: the Prefect flows.

    respond     one playbook run for an incident: open, grade, command post, nine groups, upward reports,
                dispatch, level changes, stand-down, assessment (tasks/response); one live run per incident
    watchdog    scheduled: lost runs (a stale lease) marked Crashed and resubmitted to their deployment
"""
