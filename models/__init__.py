"""What things are: settings, the database, the tables and their stores, the playbooks, the shared vocabulary.

Nothing in here imports from `tasks`, `flows` or `parklink` (DESIGN.md: parklink → flows → tasks → models),
not even for type checkers (tests/test_architecture.py).

Settings and the database
    settings            Settings from the environment (pydantic-settings), built by a function
    notify_settings     channels, the acknowledgement service, drills
    db                  one engine per URL, the schema, sessions (SQLite and PostgreSQL)
    types               column types shared by the tables (UTC datetimes)
    errors              ParkLinkError (InputError, ImportRejected with its RowErrors, NotFound): one clear line
Tables (SQLModel) and their stores (keyword-only functions, the session first)
    directory           units, liaisons, duty shifts                  park_store: imports, lists, the
    inventory           resource types, depots, stock                 playbooks' reference catalogue
    dispatch            applied needs, reservations, requisitions     dispatch_store: reserve a plan, reads
                                                                      release_store: stand down, reduce a need
                                                                      requisition_store: the requisition ledger
                                                                      stock_lock: the writer's lock on stock
    directory           … and the park itself (its name)              park_store: get_park, set_park
    incident            incidents, level changes, their log,          incident_store: incidents, level changes
                        upward reports, assessments                   event_store: the log's one writer, typed reads
                                                                      report_store: upward reports, assessments
    notification        notifications and liaison checks              notification_store
    run_lease           the attempts to run an incident (the lease)   run_store: claim, beat, finish, lost runs
The run record
    events/             EventKind, UnitStatus, one payload model per kind (base, response, faults)
    incident_report     the incident report: the operator's input, what grading reads
Vocabulary shared by the planner, the playbooks and the stores (pure)
    allocation          Need, StockLine, Plan and its lines (Allocation, Requisition, Shortfall, Excluded)
    position            Position and the one LAT,LON parser
    did_you_mean        the one "did you mean `x`?" hint for unknown names
Texts
    i18n                the one text mechanism: gettext catalogue (locale/zh_CN/…/parklink.po, Babel), tr/N_
Files people edit
    text_file           the one file reader: a regular file within its size limit, UTF-8, no NUL; value bounds
    safe_yaml           the duplicate-key-rejecting safe YAML loader, with line numbers
    templating          the sandboxed, StrictUndefined Jinja2 environment, and its checks
    playbook/           the playbook language, its validator and resolved plans (see its __init__)
"""
