"""Drills on the legal calendar (issue 14, items 3 and 4).

    scoring     score(checks, weights): the weighted share of a drill's KPI checks met (pure)
    planner     plan_year(...): the year's drills spread over working days outside holidays and special periods,
                one scenario each from the unit's risks (pure)
    recording   record_drill_run(engine, run, plan, assessment): the units a drill exercised and its score, when
                the run is assessed (called from tasks/response/assessing.py)
    reporting   the report to the county department per drill, from the record (Jinja2 templates drill-report.*)

Frequencies and compliance are in models/drill_frequency.py (pure) and models/drill_store.py (the record).
"""
