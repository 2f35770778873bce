"""pytest plugin of the mutation runs (``-p tests.mutation.base_propre``, see pyproject.toml
``[tool.mutmut]``): every test session starts on an emptied test database.

mutmut stops a mutant's tests when they run too long (an endless loop is a timeout), possibly in
the middle of a transactional test, whose committed rows then stay in the shared test database
and would make every later session fail at its fixtures (counted as kills). So each session
first empties the database exactly as a transactional test's teardown does (``flush``).
"""

import pytest
from django.core.management import call_command


@pytest.fixture(scope="session", autouse=True)
def base_videe_au_depart(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0, reset_sequences=False)
