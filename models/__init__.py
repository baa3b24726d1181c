"""What things are: settings, the database, the SQLModel tables, the playbook schema and loader.

Nothing in here imports from `tasks`, `flows` or `parklink` (DESIGN.md: parklink → flows → tasks → models).
"""
