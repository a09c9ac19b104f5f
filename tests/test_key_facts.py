"""Key-fact coverage (bench/key_facts.py) on tiny references written for the test, with the
real encoder."""

from __future__ import annotations

from bench import key_facts as K

REFERENCES = [
    "A magnitude 7 earthquake struck the city of Lima on Monday morning. "
    "The mayor opened three new parks beside the river.",
    "An earthquake of magnitude 7 hit Lima on Monday. "
    "Schools in the capital will stay closed for a week.",
    "Rescue teams from Chile and Ecuador arrived on Tuesday with sniffer dogs.",
]


def test_a_fact_two_references_state_is_key_and_one_only_one_states_is_not():
    facts = K.key_facts(REFERENCES)
    assert len(facts) == 1
    fact = facts[0]
    assert fact.references == {0, 1}
    assert any("earthquake" in m for m in fact.members)
    assert not any("parks" in m or "Schools" in m or "Rescue" in m for m in fact.members)


def test_a_summary_stating_the_fact_covers_it_and_one_that_does_not_misses_it():
    facts = K.key_facts(REFERENCES)
    assert K.coverage(["Officials said a magnitude 7 earthquake struck Lima on Monday."],
                      facts) == 1.0
    assert K.coverage(["The mayor opened three new parks beside the river."], facts) == 0.0
    assert K.coverage([], facts) == 0.0


def test_leave_one_out_counts_what_the_others_agree_on():
    # Left out, the third reference faces the first two's one key fact and does not state it;
    # the first and second each face references that agree on nothing.
    assert K.human_counts(REFERENCES) == [(0, 0), (0, 0), (0, 1)]
    assert K.human_coverage(REFERENCES) == 0.0
    assert K.human_coverage([*REFERENCES, "The quake that hit Lima on Monday measured 7."]) > 0


def test_the_table_pools_key_facts_per_corpus_and_caches_the_vectors(tmp_path):
    cluster = {"cluster_id": "quake", "corpus": "tiny", "budget_words": 12,
               "references": dict(zip("ABC", REFERENCES, strict=True))}
    lines = {"stating": {"quake": ["A magnitude 7 earthquake struck Lima on Monday.",
                                   "The mayor opened three new parks beside the river."]},
             # Past the cut at 12 words, the fact does not count.
             "late": {"quake": ["The mayor opened three new parks beside the river today.",
                                "A magnitude 7 earthquake struck Lima on Monday."]}}
    text = K.table([cluster], lines, tmp_path)
    rows = {line.split(" | ")[0].strip("| "): line for line in text.splitlines()}
    assert rows["stating"].endswith("| 100 % | 100 % |")
    assert rows["late"].endswith("| 0 % | 0 % |")
    assert "tiny (1 key facts)" in text
    assert K.vectors_path(tmp_path, "quake").exists()
