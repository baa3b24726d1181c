"""What can be done: pure logic, each piece wrapped by a thin Prefect @task where a flow runs it.

    response/       the respond flow's phases: pure phases, thin tasks, typed results (see its __init__)
    notify/         reaching people: channels, sending, acknowledgements, escalation, the liaison check
    dispatch/       the pure planner: most urgent first, primary before secondary, nearest first
    dispatch_reserve  plan and reserve against live stock, re-planning when it moved
    park_io/        reading directory and inventory files into validated records (pure)
    assessment      the after-action assessment: KPIs, targets, findings, recommendations (pure)
    grading         an incident report graded by a playbook's rules (pure)
    playbook_plan   comparing two resolved plans: `playbooks diff` and the level delta (pure)
    siting          where the command post stands (pure)
    geo             great-circle distance and destination (pure)
    documents       rendering Markdown and HTML documents from templates/ (sandboxed)
    drills/         drills on the legal calendar: the planner and scoring (pure), the record and the report

Arrows: tasks import models, never flows or parklink. Pure modules import neither Prefect nor a database
session (tests/test_architecture.py lists them).
"""
