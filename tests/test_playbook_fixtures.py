"""Every broken playbook fixture gives exactly the errors listed here: kind, file, line, path, message.

Each fixture is validated alone, as `parklink playbooks validate FILE` does: `extends: _common` finds the
shipped playbooks/_common.yaml; references are checked against the sample park and templates/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from models.playbook import validate

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures" / "playbooks"

EXPECTED = {
    'bad-indent.yaml': [
        ('syntax', 'bad-indent.yaml', 4, '',
         'mapping values are not allowed here'),
    ],
    'billion-laughs.yaml': [
        ('syntax', 'billion-laughs.yaml', 1, '',
         'alias expansion too large (1,234,567,911 nodes after expanding aliases, limit 100,000); remove the nested aliases'),
    ],
    'comma-in-flow.yaml': [
        ('schema', 'comma-in-flow.yaml', 10, 'levels.IV.groups.rescue.actions[0].seal the leak',
         'unknown field `seal the leak`; a comma inside `{…}` ends the text before it: put the text in quotes (valid: deadline_min, id, item_en, item_zh, owner)'),
    ],
    'cycle': [
        ('semantics', 'cycle-a.yaml', 2, 'extends',
         '`extends` makes a cycle: cycle-a → cycle-b → cycle-a; one of them must not extend'),
        ('semantics', 'cycle-b.yaml', 2, 'extends',
         '`extends` makes a cycle: cycle-b → cycle-a → cycle-b; one of them must not extend'),
    ],
    'duplicate-ids.yaml': [
        ('semantics', 'duplicate-ids.yaml', 11, 'levels.IV.groups.rescue.actions[1].id',
         'duplicate action id `seal` in this list'),
        ('semantics', 'duplicate-ids.yaml', 16, 'levels.IV.groups.medical.needs[0].id',
         'need id `scba` is already used by group `rescue`; need ids are unique within a plan'),
    ],
    'duplicate-key.yaml': [
        ('syntax', 'duplicate-key.yaml', 5, '',
         'duplicate key `title_zh` (first at line 3)'),
    ],
    'escalation.yaml': [
        ('semantics', 'escalation.yaml', 7, 'groups.cordon.escalation',
         'the escalation of `cordon` names no one; give at least one step, e.g. `- {to: deputy, after_min: 5}`'),
        ('semantics', 'escalation.yaml', 16, 'levels.III.groups.rescue.escalation',
         'level III drops escalation step(s) `duty`, `head`, `office_duty` of `rescue`; keep every step the level below has'),
    ],
    'id-mismatch.yaml': [
        ('semantics', 'id-mismatch.yaml', 1, 'id',
         'id `something-else` does not match the file name `id-mismatch.yaml`; rename the file to something-else.yaml or set `id: id-mismatch`'),
    ],
    'incomplete.yaml': [
        ('semantics', 'incomplete.yaml', 1, 'assessment_targets.all_groups_ack_min',
         'level IV: missing; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'assessment_targets.command_post_min',
         'level IV: missing; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'assessment_targets.first_dispatch_min',
         'level IV: missing; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'assessment_targets.first_report_min',
         'level IV: missing; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'command_post.min_distance_m',
         'level IV: missing; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'command_post.upwind',
         'level IV: missing; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'commander.role_en',
         'level IV: missing; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'commander.role_zh',
         'level IV: missing; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'commander.unit',
         'level IV: missing; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'groups.cordon.notice_template',
         "level IV: missing; give it in the group's definition or under `levels.IV.groups`"),
        ('semantics', 'incomplete.yaml', 1, 'isolation_radius_m',
         'level IV: missing; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'requisition_approval_threshold_cny',
         'level IV: missing; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'stand_down',
         'level IV: needs at least one entry; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'upward_reporting.first_report_deadline_min',
         'level IV: missing; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'upward_reporting.followup_interval_min',
         'level IV: missing; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'upward_reporting.recipients',
         'level IV: needs at least one entry; give it at the top level or under `levels.IV`'),
        ('semantics', 'incomplete.yaml', 1, 'upward_reporting.template',
         'level IV: missing; give it at the top level or under `levels.IV`'),
    ],
    'jinja-text.yaml': [
        ('references', 'jinja-text.yaml', 7, 'stand_down[0].text_zh',
         'unknown variable `incidnet`; did you mean `incident`? (known: incident, park, plan)'),
        ('references', 'jinja-text.yaml', 8, 'stand_down[0].text_en',
         'unknown variable `incident.plac`; did you mean `place`? (`incident` has: chemical, deaths, description, direct_loss_cny, enterprise, enterprise_name, evacuated, id, kind, measures, minor_injuries, missing, occurred_at, place, reported_at, serious_injuries, title, un_number, wind_from)'),
        ('references', 'jinja-text.yaml', 15, 'levels.IV.groups.cordon.actions[0].item_zh',
         "template syntax error on its line 1: expected token 'end of print statement', got '米处设警戒'"),
        ('references', 'jinja-text.yaml', 16, 'levels.IV.groups.cordon.actions[0].item_en',
         "template error: No filter named 'metres'."),
    ],
    'lead-change.yaml': [
        ('semantics', 'lead-change.yaml', 9, 'levels.IV.groups.rescue.members[0]',
         '`xfjydd` is the lead of `rescue`; list it once, as lead'),
        ('semantics', 'lead-change.yaml', 14, 'levels.II.groups.rescue.lead',
         'level II replaces the lead of `rescue` (`xfjydd` → `gaj`); a level may add members, not drop the lead'),
    ],
    'missing-levels.yaml': [
        ('semantics', 'missing-levels.yaml', 5, 'levels',
         'missing level(s) II, I; a statutory playbook defines IV, III, II, I (an empty overlay `II: {}` is fine)'),
    ],
    'non-positive.yaml': [
        ('semantics', 'non-positive.yaml', 7, 'levels.IV.isolation_radius_m',
         'must be greater than 0, got 0'),
        ('semantics', 'non-positive.yaml', 10, 'levels.IV.groups.rescue.ack_deadline_min',
         'must be greater than 0, got 0'),
        ('semantics', 'non-positive.yaml', 12, 'levels.IV.groups.rescue.needs[0].quantity',
         'must be greater than 0, got -3'),
        ('semantics', 'non-positive.yaml', 12, 'levels.IV.groups.rescue.needs[0].deadline_min',
         'must be greater than 0, got 0'),
    ],
    'not-utf8.yaml': [
        ('syntax', 'not-utf8.yaml', 3, '',
         'not UTF-8 text (byte 0xb2); save the file as UTF-8'),
    ],
    'schema-errors.yaml': [
        ('schema', 'schema-errors.yaml', 3, 'titel_zh',
         'unknown field `titel_zh`; did you mean `title_zh`? (valid: abstract, assessment_targets, assessment_weights, auto_launch, chemicals, command_post, commander, extends, grading, groups, id, isolation_radius_m, level_scheme, levels, office_unit, requisition_approval_threshold_cny, stand_down, title_en, title_zh, upward_reporting, warning_actions)'),
        ('schema', 'schema-errors.yaml', 10, 'levels.IV.groups.rescue.needs[0].quantity',
         'expected a whole number, got `many`'),
        ('schema', 'schema-errors.yaml', 10, 'levels.IV.groups.rescue.needs[0].urgency',
         '`5` is not allowed; choose 1, 2 or 3'),
        ('schema', 'schema-errors.yaml', 11, 'levels.IV.groups.rescue.needs[1].id',
         '`Rescue_Suit` is not a valid value; use lower-case letters, digits and hyphens, e.g. `rescue-scba`'),
        ('schema', 'schema-errors.yaml', 11, 'levels.IV.groups.rescue.needs[1].resource_type',
         '`201` is not a valid value; a resource type code has 7 digits, e.g. `2010101`'),
        ('schema', 'schema-errors.yaml', 12, 'levels.IV.command_post.upwind',
         'expected true or false, got `yes please`'),
        ('schema', 'schema-errors.yaml', 16, 'levels.V',
         "`V` is not allowed here; choose 'IV', 'III', 'II', 'I' or 'single'"),
    ],
    'single-with-levels.yaml': [
        ('semantics', 'single-with-levels.yaml', 6, 'levels',
         'missing level(s) single; a single playbook defines single (an empty overlay `single: {}` is fine)'),
        ('semantics', 'single-with-levels.yaml', 6, 'levels.IV',
         'level `IV` does not belong to a single playbook (levels: single); remove it or change `level_scheme`'),
    ],
    'unknown-group.yaml': [
        ('semantics', 'unknown-group.yaml', 11, 'levels.III.groups.rescu',
         'unknown group `rescu`; did you mean `rescue`? (defined: experts, rescue, medical, cordon, evacuation, logistics, information, special, coordination)'),
        ('semantics', 'unknown-group.yaml', 12, 'levels.III.groups.press',
         'unknown group `press` (defined: experts, rescue, medical, cordon, evacuation, logistics, information, special, coordination)'),
    ],
    'unknown-parent.yaml': [
        ('references', 'unknown-parent.yaml', 2, 'extends',
         'unknown playbook `_comon`; did you mean `_common`? (looked for _comon.yaml beside this file and in the playbooks folder)'),
    ],
    'unknown-resources-templates.yaml': [
        ('references', 'unknown-resources-templates.yaml', 6, 'upward_reporting.template',
         'unknown template `upward-reprot`; did you mean `upward-report`? (templates/ has, in zh-CN and en: group-activation, upward-report)'),
        ('references', 'unknown-resources-templates.yaml', 11, 'levels.IV.groups.rescue.notice_template',
         'unknown template `group-activaton`; did you mean `group-activation`? (templates/ has, in zh-CN and en: group-activation, upward-report)'),
        ('references', 'unknown-resources-templates.yaml', 13, 'levels.IV.groups.rescue.needs[0].resource_type',
         'unknown resource type `2010111`; did you mean `2010101` (正压式空气呼吸器)?; see `parklink inventory types`'),
        ('references', 'unknown-resources-templates.yaml', 14, 'levels.IV.groups.rescue.needs[1].resource_type',
         'unknown resource type `9990001`; see `parklink inventory types`'),
    ],
    'unknown-units.yaml': [
        ('references', 'unknown-units.yaml', 6, 'upward_reporting.recipients[1]',
         '`incident_enterprise` (the incident enterprise) is a role, not allowed here; name a unit code'),
        ('references', 'unknown-units.yaml', 9, 'levels.IV.commander.unit',
         'unknown unit `yjjj`; did you mean `yjj` (应急局)?'),
        ('references', 'unknown-units.yaml', 12, 'levels.IV.groups.rescue.members[0]',
         'unknown unit `xfjy`; did you mean `xfjydd` (消防救援大队)?'),
        ('references', 'unknown-units.yaml', 15, 'levels.IV.groups.rescue.escalation[1].to',
         'unknown unit `ldzbg`; did you mean `ldzbgs` (领导组办公室)?; an escalation step goes `to` deputy, head, duty, leader_on_duty, office_duty or a unit code'),
    ],
    'weakens.yaml': [
        ('semantics', 'weakens.yaml', 15, 'levels.III.command_post.upwind',
         'level III turns off `upwind`, which the level below requires'),
        ('semantics', 'weakens.yaml', 15, 'levels.III.command_post.min_distance_m',
         'level III weakens `command_post.min_distance_m` from 500 to 300; a higher level may only keep or raise it'),
        ('semantics', 'weakens.yaml', 16, 'levels.III.isolation_radius_m',
         'level III weakens `isolation_radius_m` from 300 to 200; a higher level may only keep or raise it'),
        ('semantics', 'weakens.yaml', 17, 'levels.III.upward_reporting.first_report_deadline_min',
         'level III weakens `upward_reporting.first_report_deadline_min` from 45 to 60; a higher level may only keep or shorten it'),
        ('semantics', 'weakens.yaml', 20, 'levels.III.groups.rescue.ack_deadline_min',
         'level III weakens `rescue` ack deadline from 15 to 20; a higher level may only keep or shorten it'),
        ('semantics', 'weakens.yaml', 22, 'levels.III.groups.rescue.needs[0].quantity',
         'level III weakens `rescue-scba` quantity from 12 to 6; a higher level may only keep or raise it'),
        ('semantics', 'weakens.yaml', 22, 'levels.III.groups.rescue.needs[0].urgency',
         'level III weakens `rescue-scba` urgency from 1 to 2; a higher level may only keep or raise the urgency (1 is most urgent)'),
        ('semantics', 'weakens.yaml', 22, 'levels.III.groups.rescue.needs[0].role',
         'level III demotes need `rescue-scba` from primary to secondary; a higher level may only promote'),
        ('semantics', 'weakens.yaml', 22, 'levels.III.groups.rescue.needs[0].deadline_min',
         'level III weakens `rescue-scba` deadline_min from 20 to 30; a higher level may only keep or shorten it'),
        ('semantics', 'weakens.yaml', 28, 'levels.I.groups.rescue.needs[0].resource_type',
         'need `rescue-scba` changes its resource type (2010101 → 2010102); give the new need a new id'),
    ],
}


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> Path:
    """The templates the shipped playbooks use, alone: messages list them, and others may add more."""
    folder = tmp_path_factory.mktemp("templates")
    for name in ("group-activation", "upward-report"):
        for lang in ("zh-CN", "en"):
            shutil.copy(REPO / "templates" / f"{name}.{lang}.md.j2", folder)
    return folder


def issues_of(name: str, templates: Path) -> list[tuple]:
    result = validate([FIXTURES / name], playbooks_dir=REPO / "playbooks", templates_dir=templates)
    return [(i.kind.name, Path(i.file).name, i.line, i.path, i.message) for i in result.issues]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_playbook_reports_exactly_its_errors(name, templates):
    assert issues_of(name, templates) == EXPECTED[name]


def test_every_fixture_is_covered_and_there_are_at_least_fifteen():
    on_disk = {p.name for p in FIXTURES.iterdir()}
    assert on_disk == set(EXPECTED)
    assert len(EXPECTED) >= 15
    assert all(EXPECTED.values())


def test_a_folder_of_broken_files_reports_every_file_at_once_grouped_by_kind(templates):
    result = validate([FIXTURES], playbooks_dir=REPO / "playbooks", templates_dir=templates)
    got = {(i.kind.name, Path(i.file).name, i.line, i.path, i.message) for i in result.issues}
    singles = {issue for name, issues in EXPECTED.items() if name.endswith(".yaml") for issue in issues}
    assert got == singles  # the same errors as file by file: none lost, none added
    kinds = [i.kind for i in result.issues]
    assert kinds == sorted(kinds)  # syntax, then schema, references, semantics
