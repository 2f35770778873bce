"""The order of the phases (domain §8 rule 1, R6313-4): what the mutation run of
``beneficiaires.cycle`` found untested. See tests/MUTATION.md."""

import pytest

from beneficiaires.cycle import phases_dans_l_ordre, rang_phase
from beneficiaires.models import Phase

P, INV, C = Phase.PRELIMINAIRE, Phase.INVESTIGATION, Phase.CONCLUSION


@pytest.mark.parametrize(
    ("phases", "dans_l_ordre"),
    [
        ([], True),
        ([INV], True),
        ([P, P, INV, C, C], True),
        ([P, C], True),  # skipping is the phase change's rule, not the order's
        ([INV, P], False),  # two steps: one going back
        ([P, C, INV], False),  # going back from the 2nd to the 3rd step only
        ([C, C, INV], False),
    ],
)
def test_regle_01_a_sequence_of_phases_never_goes_back(phases, dans_l_ordre):
    assert phases_dans_l_ordre(phases=phases) is dans_l_ordre


def test_regle_01_the_rank_of_each_phase():
    assert [rang_phase(phase=p) for p in (P, INV, C)] == [0, 1, 2]
    with pytest.raises(ValueError, match="suivi"):
        rang_phase(phase="suivi")
