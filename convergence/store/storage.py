"""Storage: what the screens, the command line and the benchmarks call to read and write the
database. The queries themselves live in the modules of this package, one topic each:

- reading.py   the estate back as records, and the revision number the app watches
- reading_columns.py
               the estate back as columns (Arrow tables), through ADBC where it can
- writing.py   saving many records at once, checked and all or nothing
- editing.py   one record at a time (stale versions refused), deleting, adopting a scenario
- history.py   who changed what, when (append-only)
- plans.py     scenarios and baselines
- decisions.py the decision log: owners, statuses and notes of the decisions due
- realised.py  realised savings as finance reports them
- users.py     users, roles and signing in

Functions are keyword-only with the session first; failures raise the errors of
convergence.errors in words. Nothing outside convergence/store queries the database.
"""

from convergence.store.decisions import decision_log, save_decision
from convergence.store.editing import adopt, delete_record, record_version, save_record
from convergence.store.history import Change, describe, history, history_users
from convergence.store.plans import (
    StoredBaseline,
    StoredScenario,
    baselines,
    delete_scenario,
    freeze_baseline,
    save_scenario,
    scenarios,
)
from convergence.store.reading import estate_revision, is_empty, load_estate, load_outline
from convergence.store.reading_columns import load_estate_columns
from convergence.store.realised import realised_savings, record_realised_saving
from convergence.store.users import (
    Account,
    SignInRefused,
    accounts,
    actor_by_email,
    actor_from_token,
    actor_named,
    add_demo_users,
    add_user,
    demo_accounts_open,
    has_users,
    remove_demo_accounts,
    session_token,
    sign_in,
)
from convergence.store.writing import ImportSummary, check_references, clear_estate, save_estate

__all__ = [
    "add_demo_users",
    "demo_accounts_open",
    "remove_demo_accounts",
    "Account",
    "Change",
    "ImportSummary",
    "SignInRefused",
    "StoredBaseline",
    "StoredScenario",
    "accounts",
    "actor_by_email",
    "actor_from_token",
    "actor_named",
    "add_user",
    "adopt",
    "baselines",
    "check_references",
    "clear_estate",
    "decision_log",
    "delete_record",
    "delete_scenario",
    "describe",
    "estate_revision",
    "freeze_baseline",
    "has_users",
    "history",
    "history_users",
    "is_empty",
    "load_estate",
    "load_estate_columns",
    "load_outline",
    "realised_savings",
    "record_realised_saving",
    "record_version",
    "save_decision",
    "save_estate",
    "save_record",
    "save_scenario",
    "scenarios",
    "session_token",
    "sign_in",
]
