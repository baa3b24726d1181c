"""The warning response (预警联动, issue 13): pure rules (rules.py), typed results (results.py), and the Prefect tasks
the warn flow runs (steps.py, ending.py)."""
