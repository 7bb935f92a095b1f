"""The letter index above a long list page: one link a initial, to the first row under it."""
from __future__ import annotations

import pytest

from dossier.features.letters import LETTER_INDEX_FROM, by_script, initial, letter_index


@pytest.mark.parametrize("name, letter", [
    ("Putin", "P"), ("ábc", "A"), ("Élysée", "E"), ("«Quote»", "Q"), ("1948 treaty", "#"), ("Путин", "П"),
    ("두만강", "ㄷ"), ("라선", "ㄹ"), ("中国", "中"), ("ß", "S"), ("---", None),
])
def test_a_name_is_listed_under_its_first_letter_without_accents(name, letter):
    assert initial(name) == letter


def test_each_initial_leads_to_its_first_row_in_the_lists_order():
    names = ["Alpha", "Amber", "Beta", "Ábaco", "Zulu", "Путин", "Пхеньян"] + ["Zeta"] * LETTER_INDEX_FROM
    index = letter_index(names)
    assert [(letter, first) for letter, first, _ in index.letters] == [("A", 0), ("B", 2), ("Z", 4), ("П", 5)]
    assert index.rows == {0: "letter-41", 2: "letter-42", 4: "letter-5A", 5: "letter-41F"}


@pytest.mark.parametrize("names", [["Alpha", "Beta"], ["Alpha"] * (LETTER_INDEX_FROM + 5)])
def test_a_short_list_or_one_under_a_single_initial_has_no_index(names):
    assert not letter_index(names)


def test_a_bar_of_several_scripts_names_each_so_that_look_alike_letters_are_told_apart():
    jumps = [(letter, "sources/index.html", f"letter-{ord(letter):X}") for letter in ["#", "B", "T", "В", "Т", "ㄷ", "中"]]
    assert [(name, [j[0] for j in links]) for name, links in by_script(jumps)] == [
        ("Latin", ["#", "B", "T"]), ("Cyrillic", ["В", "Т"]), ("Hangul", ["ㄷ"]), ("Han", ["中"])]
    latin = [j for j in jumps if j[0] in "#BT"]
    assert by_script(latin) == [("", latin)]   # one script: nothing to tell apart


def test_a_script_that_comes_back_later_in_the_list_joins_its_group():
    # "“Quoted” headline" sorts after the Cyrillic titles, but is under Q.
    names = ["Alpha", "Beta", "Борис", "Вести", "“Quoted” headline", "ʼOkina"] + ["Вести"] * LETTER_INDEX_FROM
    jumps = [(letter, "x.html", anchor) for letter, _, anchor in letter_index(names).letters]
    assert [(name, [j[0] for j in links]) for name, links in by_script(jumps)] == [
        ("Latin", ["A", "B", "Q", "ʼ"]), ("Cyrillic", ["Б", "В"])]
