"""In what order: the Prefect flows.

    respond     one playbook run for an incident: open, grade, command post, nine groups, upward reports,
                dispatch, level changes, stand-down, assessment (tasks/response)
"""
