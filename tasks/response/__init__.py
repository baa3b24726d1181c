"""The response: what the `respond` flow does, phase by phase — pure phases, thin Prefect tasks.

    run         Run: the identity of one response run, passed to every task (pure)
    results     the typed results of every phase and of the run; WorkKey for the flow's concurrent work (pure)
    phases/     the phases as pure functions: typed inputs → Outcome(result, events)
    context     the template contexts: what notices and upward reports may say (pure)
    levels      what a change of response level adds and drops (pure)
    runtime     what the tasks share: settings, the database, the HTTP client, the playbooks, templates
    opening     tasks: open the incident (once per id) and grade it; the command post
    groups      tasks: one working group's activation (notify, wait, escalate); stand-down of dropped groups
    upward      task: one upward report (first report, follow-ups)
    dispatching task: dispatch with the commander's approval
    closing     tasks: a level change applied, needs released on a lowering, stand-down
    assessing   task: the after-action assessment (render_assessment also serves `parklink report --lang`)
    run_claim   the run's lease on its incident: claim, heartbeat, outcome and result (RunLease)
    resume_rules which lost runs the watchdog resumes (pure)
    resuming    the watchdog's tasks: find lost runs, resume or record them

Every task opens a session, reads through the store functions (models/*_store.py), calls its phase, and
records what the phase returned: events through models.event_store.record_events, the one writer (by way of
tasks/run_log.record, which also tells the Prefect run log each new entry's text, so the run page reads like the
timeline).
"""
