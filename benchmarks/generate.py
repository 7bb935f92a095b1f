#!/usr/bin/env python3
"""Generate a synthetic dossier of any size, plus the equivalent Markdown pages for Hugo and MkDocs.

    python benchmarks/generate.py --entities 1000 --out /tmp/bench-1000 [--sources 200] [--seed 1]

writes

    OUT/content/   the dossier, in our content format (docs/content-format.md)
    OUT/hugo/      a Hugo site: hugo.toml, the minimal layouts of benchmarks/hugo/layouts, content/
    OUT/mkdocs/    a MkDocs + Material project: mkdocs.yml (search plugin on, nav auto-generated), docs/

The same seed and sizes give byte-identical files. Everything comes from a built-in vocabulary and
made-up names (no downloads). Sizes aim at a real newsroom dossier: entity summaries of 100-300
words with [[links]] and [@citations], 5-10 cited facts, 1-4 typed relations; sources of 400-1,500
words that mention entity names, with 2-5 annotations whose quotes are unique spans of the text.
Every entity is linked from another one and every source is cited, so `dossier check` reports
neither errors nor warnings.

Only the standard library is used, so any Python 3.11 runs this file.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent

# --- word material ------------------------------------------------------------------------------

VOCABULARY = """
the of and to in a that is was for on as with by at from this it be are were which an or has had
have not but its their they also after before between over under into across along against during
about through within without where when while since until because although however further still
border bridge river road rail railway station crossing customs checkpoint port harbour coast island
valley mountain plain district province county region city town village settlement zone market
trade freight cargo goods coal iron ore timber grain fuel oil gas electricity steel cement fish
labour workers officials delegation ministry committee agency company enterprise cooperative bank
treaty agreement protocol memorandum statement report survey record archive photograph image map
satellite imagery analysis estimate figure number volume capacity length width height span pier
deck tower tunnel embankment track gauge wagon locomotive truck lorry bus passenger traveller
visit meeting summit talks negotiation signing ceremony opening closure construction repair
renovation extension expansion upgrade project plan programme schedule delay deadline budget cost
investment loan payment contract tender contractor engineer designer builder operator owner
government state authority administration leadership council assembly parliament court police
army navy troops soldiers guards patrol security inspection control permit visa passport document
press agency newspaper broadcaster journalist editor reporter correspondent source witness account
claim denial confirmation correction comment remark speech address interview briefing release
announced reported stated confirmed denied said noted added wrote described called named listed
opened closed built rebuilt repaired extended expanded upgraded planned approved signed ratified
began ended resumed suspended halted delayed completed finished launched visited inspected met
crossed carried shipped exported imported delivered received sent moved returned arrived left
new old former current first second third last next early late recent annual monthly weekly daily
large small long short wide narrow high low major minor main central northern southern eastern
western upper lower inner outer local regional national international bilateral joint official
public private commercial military civilian industrial agricultural strategic economic political
several many few some most each every both either neither other another same different similar
year month week day season spring summer autumn winter morning evening night period decade century
because therefore thus meanwhile instead likewise otherwise accordingly nevertheless moreover
near far close distant above below beside beyond upstream downstream inland offshore overland
quickly slowly briefly mainly partly largely roughly nearly almost only already again often rarely
according available possible likely unlikely unclear uncertain disputed unverified reliable
""".split()
VOCABULARY = sorted(set(VOCABULARY))

SYLLABLES = ("ka ko ra ro min tel vas dor len sha ban yul hae nam sok pyo kan tum mur zar vel kir "
             "nor tan hon jun sam gor lev ost bel dal mir pol rus sin tor ulf ven yar zem ash bor "
             "cal dun eri fal gan hul ist jor kel lum mar nev orm pak qui ren sul tev ung vor wen").split()
CYR = {"a": "а", "b": "б", "c": "к", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "х", "i": "и", "j": "дж",
       "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "к", "r": "р", "s": "с", "t": "т",
       "u": "у", "v": "в", "w": "в", "y": "й", "z": "з"}

ORG_WORDS = ["Shipping Company", "Trading Corporation", "Railway Administration", "Border Guard Service",
             "Customs Office", "Construction Bureau", "Development Bank", "News Agency", "Port Authority",
             "Friendship Society", "Energy Company", "Logistics Group", "Research Institute"]
PLACE_WORDS = ["", "", "", " River", " Station", " Bay", " Heights", " Junction", " Valley"]
EVENT_WORDS = ["Summit", "Talks", "Visit", "Forum", "Ceremony", "Exercise", "Conference", "Flood"]
DOC_WORDS = ["Treaty", "Agreement", "Protocol", "Memorandum", "Accord", "Joint Statement"]
ROLES = ["Minister of Transport", "Ambassador", "Governor", "Border Commissioner", "Chief Engineer",
         "Deputy Premier", "Customs Director", "Railway Minister", "Mayor", "Trade Representative"]
FACT_LABELS = ["Founded", "Opened", "Population", "Length", "Area", "Staff", "Budget", "Capacity",
               "Headquarters", "Elevation", "Born", "Office", "Signed", "Annual traffic", "Owner",
               "Operator", "Languages", "Gauge", "Reconstructed", "Also known as", "Status", "Funding"]
PUBLISHERS = ["Border Herald", "Northern Daily", "Tumen Review", "Coastal Times", "Press Agency Report",
              "Transit Weekly", "Frontier Monitor", "Regional Observer", "Harbour Gazette", "Rail Journal",
              "Economic Bulletin", "Evening Courier"]
RELATION_TYPES = ["member-of", "signed", "party-to", "crosses", "located-in", "leads", "participant-in",
                  "operates", "built-by", "successor-of", "part-of", "borders", "connects", "publishes",
                  "deployed-to", "supplies", "counterpart-of", "related-to"]
MODES = ["rail", "road", "pedestrian", "mixed"]
STATUSES = ["open", "closed", "under-construction", "planned"]
CLAIM_STATUSES = ["corroborated", "unverified", "disputed", "refuted"]

FOLDERS = {"person": "people", "organization": "organizations", "country": "countries", "place": "places",
           "crossing": "crossings", "event": "events", "document": "documents"}
# share of the entities that are not countries
WEIGHTS = {"person": 0.28, "organization": 0.16, "place": 0.20, "crossing": 0.10, "event": 0.16, "document": 0.10}

MIN_ENTITIES = 10   # the smallest dossier with every kind


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:70].strip("-")


def q(text) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(text), ensure_ascii=False)


# --- the model the generator builds ---------------------------------------------------------------

@dataclass
class Entity:
    id: str
    kind: str
    name: str
    aliases: list = field(default_factory=list)
    names: dict = field(default_factory=dict)
    wikidata: str | None = None
    summary: str = ""
    facts: list = field(default_factory=list)       # (label, value, [cites])
    relations: list = field(default_factory=list)   # (type, target, [cites])
    props: dict = field(default_factory=dict)       # kind-specific keys, already YAML text

    @property
    def folder(self) -> str:
        return FOLDERS[self.kind]


@dataclass
class Source:
    id: str
    title: str
    publisher: str
    url: str
    published: str
    accessed: str
    reliability: str
    credibility: int
    body: str = ""
    annotations: list = field(default_factory=list)  # dicts


class Generator:
    def __init__(self, entities: int, sources: int, seed: int):
        self.rnd = random.Random(seed)
        self.n_entities = entities
        self.n_sources = sources
        self.used_names: set[str] = set()
        self.used_ids: set[str] = set()
        self.vocab_lower = set(VOCABULARY)
        self.cite_cursor = 0
        self.entities: list[Entity] = []
        self.sources: list[Source] = []
        self.by_kind: dict[str, list[Entity]] = {k: [] for k in FOLDERS}

    # names and ids

    def word(self) -> str:
        r = self.rnd
        while True:
            w = "".join(r.choice(SYLLABLES) for _ in range(r.choice((2, 2, 3))))
            if w not in self.vocab_lower:
                return w.capitalize()

    def unique_name(self, make) -> str:
        for _ in range(1000):
            name = make()
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        raise RuntimeError("ran out of names")

    def unique_id(self, base: str) -> str:
        base = slug(base) or "x"
        candidate, n = base, 2
        while candidate in self.used_ids:
            candidate, n = f"{base}-{n}", n + 1
        self.used_ids.add(candidate)
        return candidate

    def make_name(self, kind: str) -> str:
        r = self.rnd
        if kind == "person":
            return self.unique_name(lambda: f"{self.word()} {self.word()}")
        if kind == "organization":
            return self.unique_name(lambda: f"{self.word()} {r.choice(ORG_WORDS)}")
        if kind == "country":
            return self.unique_name(lambda: self.word() + r.choice(("ia", "land", "stan", "a")))
        if kind == "place":
            return self.unique_name(lambda: self.word() + r.choice(PLACE_WORDS))
        if kind == "crossing":
            return self.unique_name(lambda: f"{self.word()}–{self.word()} {r.choice(('Bridge', 'Bridge', 'Crossing', 'Tunnel'))}")
        if kind == "event":
            return self.unique_name(lambda: f"{self.word()} {r.choice(EVENT_WORDS)} {r.randint(1950, 2025)}")
        return self.unique_name(lambda: f"{self.word()} {r.choice(DOC_WORDS)} of {r.randint(1950, 2025)}")

    def native_names(self, name: str) -> dict:
        r = self.rnd
        out = {}
        if r.random() < 0.3:
            out["ko"] = "".join(chr(0xAC00 + r.randrange(11172)) for _ in range(r.randint(2, 5)))
        if r.random() < 0.3:
            out["ru"] = "".join(CYR.get(c, c) for c in name.lower()).title()
        return out

    # random material

    def date(self, lo: int = 1950, hi: int = 2025) -> str:
        r = self.rnd
        y = r.randint(lo, hi)
        shape = r.random()
        if shape < 0.15:
            return str(y)
        if shape < 0.3:
            return f"{y}-{r.randint(1, 12):02d}"
        return f"{y}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"

    def cite_id(self) -> str:
        """Source ids for citations: every source in turn first (so none is left uncited), then at random."""
        if self.cite_cursor < len(self.sources):
            s = self.sources[self.cite_cursor]
            self.cite_cursor += 1
            return s.id
        return self.rnd.choice(self.sources).id

    def cites(self) -> list[str]:
        r = self.rnd
        out = []
        for _ in range(r.choice((1, 1, 1, 2))):
            c = self.cite_id()
            if r.random() < 0.25:
                c += f", para. {r.randint(1, 20)}"
            if c not in out:   # a source cited twice at the same place is an error (duplicate-item)
                out.append(c)
        return out

    def sentence(self, lo: int = 8, hi: int = 22) -> list[str]:
        r = self.rnd
        words = [r.choice(VOCABULARY) for _ in range(r.randint(lo, hi))]
        words[0] = words[0].capitalize()
        for i in range(2, len(words) - 2):
            if r.random() < 0.06:
                words[i] += ","
        return words

    def location(self) -> str:
        r = self.rnd
        return (f"{{lat: {r.uniform(37, 46):.4f}, lon: {r.uniform(121, 134):.4f}, "
                f"cite: [{q(self.cite_id())}]}}")

    def pick(self, kind: str, n: int = 1, exclude: str | None = None) -> list[Entity]:
        pool = self.by_kind[kind]
        out: list[Entity] = []
        for _ in range(n * 4):
            e = self.rnd.choice(pool)
            if e.id != exclude and e not in out:
                out.append(e)
            if len(out) == n:
                break
        for e in pool:  # small pools: fill up deterministically (the draws above stay as they were)
            if len(out) == n:
                break
            if e.id != exclude and e not in out:
                out.append(e)
        return out

    # the dossier

    def plan(self) -> None:
        r = self.rnd
        n = self.n_entities
        countries = max(2, min(200, n // 100))
        rest = max(0, n - countries)
        counts = {"country": countries}
        for kind, w in WEIGHTS.items():
            counts[kind] = int(rest * w)
        counts["person"] += rest - sum(v for k, v in counts.items() if k != "country")
        if counts["crossing"] and counts["place"] < 2:
            counts["place"], counts["person"] = 2, max(0, counts["person"] - 2)
        for i in range(self.n_sources):
            publisher = r.choice(PUBLISHERS)
            published = self.date(2000, 2025)
            sid = self.unique_id(f"{slug(publisher)}-{published[:4]}-{self.word().lower()}")
            self.sources.append(Source(
                id=sid, title=" ".join(self.sentence(5, 11)).rstrip(",") , publisher=publisher,
                url=f"https://{slug(publisher)}.example.org/{published[:4]}/{sid}", published=published,
                accessed=f"2026-{r.randint(1, 10):02d}-{r.randint(1, 28):02d}",   # before the day it was written
                reliability=r.choice("ABCDEF"), credibility=r.randint(1, 6)))
        for kind in ("country", "place", "person", "organization", "crossing", "event", "document"):
            for _ in range(counts[kind]):
                name = self.make_name(kind)
                e = Entity(id=self.unique_id(name), kind=kind, name=name)
                self.by_kind[kind].append(e)
                self.entities.append(e)
        r.shuffle(self.entities)

    def fill_entities(self) -> None:
        r = self.rnd
        n = len(self.entities)
        for i, e in enumerate(self.entities):
            if r.random() < 0.2 and e.kind == "person":
                first, last = e.name.split(" ", 1)
                alias = f"{first[0]}. {last}"
                if alias not in self.used_names:
                    self.used_names.add(alias)
                    e.aliases.append(alias)
            e.names = self.native_names(e.name)
            if r.random() < 0.3:
                e.wikidata = f"Q{r.randint(1000, 99_999_999)}"
            # summary: 100-300 words, links to other entities (the next one always, so no orphans)
            links = [self.entities[(i + 1) % n]] if n > 1 else []
            links += [self.entities[r.randrange(n)] for _ in range(r.randint(2, 7))]
            links = [l for l in links if l.id != e.id]
            target_words = r.randint(100, 300)
            words: list[str] = []
            while len(words) < target_words:
                s = self.sentence()
                if links and r.random() < 0.7:
                    l = links.pop()
                    at = r.randint(1, len(s) - 1)
                    s.insert(at, f"[[{l.id}|{l.name}]]" if r.random() < 0.2 else f"[[{l.id}]]")
                if r.random() < 0.5:
                    refs = "; ".join("@" + c for c in self.cites())
                    s[-1] += f" [{refs}]"
                s[-1] += "."
                words.extend(s)
            for l in links:  # links the sentences had no room for
                words.extend(["See", "also", f"[[{l.id}]]."])
            e.summary = _wrap_md(" ".join(words))
            # facts: 5-10, sometimes two values for one label (sources disagree)
            labels = r.sample(FACT_LABELS, r.randint(5, 10))
            for label in labels:
                e.facts.append((label, self.fact_value(label), self.cites()))
            if r.random() < 0.1:
                label = labels[0]
                e.facts.append((label, self.fact_value(label), self.cites()))
            for _ in range(r.randint(1, 4)):
                target = self.entities[r.randrange(n)]
                type_, cites = r.choice(RELATION_TYPES), self.cites()
                if target.id != e.id and (type_, target.id) not in {(t, i) for t, i, _ in e.relations}:
                    e.relations.append((type_, target.id, cites))   # the same relation twice is an error
            self.kind_props(e)

    def fact_value(self, label: str) -> str:
        r = self.rnd
        if label in ("Founded", "Opened", "Born", "Signed", "Reconstructed"):
            return str(r.randint(1900, 2025))
        if label in ("Length", "Elevation"):
            return f"{r.randint(10, 5000):,} m"
        if label in ("Population", "Staff", "Annual traffic", "Capacity"):
            return f"{r.randint(100, 2_000_000):,}"
        if label in ("Budget", "Funding"):
            return f"{r.randint(1, 900)} million USD"
        return " ".join(r.choice(VOCABULARY) for _ in range(r.randint(1, 4)))

    def kind_props(self, e: Entity) -> None:
        r = self.rnd
        p = e.props
        country = lambda: q(self.pick("country", 1)[0].id)
        if e.kind == "person":
            p["role"] = q(r.choice(ROLES))
            p["country"] = country()
        elif e.kind == "organization":
            p["country"] = country()
        elif e.kind == "country":
            p["iso"] = q(chr(65 + r.randrange(26)) + chr(65 + r.randrange(26)))
        elif e.kind == "place":
            p["location"] = self.location()
            p["country"] = country()
        elif e.kind == "crossing":
            p["location"] = self.location()
            p["mode"] = r.choice(MODES)
            p["status"] = r.choice(STATUSES)
            p["opened"] = q(self.date(1930, 2025))
            p["countries"] = "[" + ", ".join(q(c.id) for c in self.pick("country", 2)) + "]"
            ends = self.pick("place", 2)
            p["ends"] = "[" + ", ".join(q(c.id) for c in ends) + "]"
            p["crosses"] = q(self.pick("place", 1)[0].id)
            p["length_m"] = str(r.randint(30, 3000))
        elif e.kind == "event":
            p["date"] = q(self.date())
            p["location"] = q(self.pick("place", 1)[0].id)
            people = self.by_kind["person"] or self.by_kind["country"]
            parts = {people[r.randrange(len(people))].id for _ in range(r.randint(1, 4))}
            p["participants"] = "[" + ", ".join(q(x) for x in sorted(parts)) + "]"
        elif e.kind == "document":
            p["date"] = q(self.date())
            if r.random() < 0.7:
                p["in_force"] = q(self.date())
            p["parties"] = "[" + ", ".join(q(c.id) for c in self.pick("country", 2)) + "]"
            p["place"] = q(self.pick("place", 1)[0].id)

    def fill_sources(self) -> None:
        r = self.rnd
        for s in self.sources:
            target_words = r.randint(400, 1500)
            paragraphs: list[list[str]] = []   # words as the reader sees them
            markdown: list[str] = []
            mentioned: list[Entity] = []
            count = 0
            while count < target_words:
                if paragraphs and r.random() < 0.12:
                    heading = self.sentence(2, 5)
                    markdown.append("## " + " ".join(heading).rstrip(","))
                    paragraphs.append(heading)
                    count += len(heading)
                    continue
                para: list[str] = []
                shown: list[str] = []
                plen = min(r.randint(40, 120), max(20, target_words - count))
                while len(para) < plen:
                    sent = self.sentence()
                    if r.random() < 0.45:  # an entity name in the text: a mention
                        e = self.entities[r.randrange(len(self.entities))]
                        name = r.choice([e.name, *e.aliases])
                        sent.insert(r.randint(1, len(sent) - 1), name)
                        mentioned.append(e)
                    sent[-1] += "."
                    for w in sent:
                        para.append(w)
                        # names stay on one line (a softbreak inside would hide the mention)
                        shown.append(f"*{w}*" if r.random() < 0.01 and w.isalpha() else w.replace(" ", "\x00"))
                paragraphs.append(para)
                markdown.append(_wrap_md(" ".join(shown)))
                count += len(para)
            s.body = "\n\n".join(markdown) + "\n"
            reader = " ".join(" ".join(p) for p in paragraphs)
            s.annotations = self.annotations(paragraphs, reader, mentioned)

    def annotations(self, paragraphs, reader: str, mentioned: list[Entity]) -> list[dict]:
        r = self.rnd
        out = []
        used: set[str] = set()
        for _ in range(r.randint(2, 5)):
            for _attempt in range(50):
                para = r.choice(paragraphs)
                if len(para) < 12:
                    continue
                n = r.randint(4, 9)
                start = r.randrange(0, len(para) - n)
                if any(w.endswith(".") for w in para[start:start + n - 1]):
                    continue  # a quote stays within one sentence
                quote = " ".join(para[start:start + n]).rstrip(",.")
                if quote in used or _occurrences(reader, quote) != 1:
                    continue
                used.add(quote)
                kind = r.choices(["note", "context", "correction", "claim"], [4, 3, 1, 2])[0]
                a = {"quote": quote, "kind": kind}
                if kind == "claim":
                    a["status"] = r.choice(CLAIM_STATUSES)
                if kind != "note" or r.random() < 0.7:
                    words = self.sentence(8, 20)
                    words[-1] += f" [@{self.rnd.choice(self.sources).id}]."
                    a["note"] = " ".join(words)
                if mentioned:
                    about = {mentioned[r.randrange(len(mentioned))].id for _ in range(r.randint(1, 2))}
                    a["about"] = sorted(about)
                out.append(a)
                break
        return out


def _occurrences(text: str, quote: str) -> int:
    n, i = 0, text.find(quote)
    while i != -1 and n < 2:
        n, i = n + 1, text.find(quote, i + 1)
    return n


_BRACKETS = re.compile(r"\[[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*\]")


def _wrap_md(text: str) -> str:
    """Wrap a paragraph at about 100 characters, never inside [[links]] or [@citations] and never
    starting a line with what Markdown could read as a block marker (a digit, '#', '-', '+', '>')."""
    text = _BRACKETS.sub(lambda m: m.group(0).replace(" ", "\x00"), text)
    lines: list[str] = []
    line = ""
    for w in text.split(" "):
        if line and len(line) + 1 + len(w) > 100 and not w[0].isdigit() and w[0] not in "#-+>*":
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    lines.append(line)
    return "\n".join(lines).replace("\x00", " ")


# --- writers ----------------------------------------------------------------------------------------

def entity_yaml(e: Entity) -> str:
    out = [f"name: {q(e.name)}"]
    if e.names:
        out.append("names: {" + ", ".join(f"{k}: {q(v)}" for k, v in e.names.items()) + "}")
    if e.aliases:
        out.append("aliases: [" + ", ".join(q(a) for a in e.aliases) + "]")
    if e.wikidata:
        out.append(f"wikidata: {e.wikidata}")
    for key in ("role", "iso", "country", "date", "in_force", "location", "mode", "status", "opened",
                "countries", "ends", "crosses", "length_m", "participants", "parties", "place"):
        if key in e.props:
            out.append(f"{key}: {e.props[key]}")
    out.append("summary: |")
    out.extend("  " + line for line in e.summary.split("\n"))
    out.append("facts:")
    for label, value, cites in e.facts:
        out.append(f"  - {{label: {q(label)}, value: {q(value)}, cite: [{', '.join(q(c) for c in cites)}]}}")
    if e.relations:
        out.append("relations:")
        for type_, target, cites in e.relations:
            out.append(f"  - {{type: {type_}, target: {target}, cite: [{', '.join(q(c) for c in cites)}]}}")
    return "\n".join(out) + "\n"


def source_md(s: Source) -> str:
    out = ["---", f"title: {q(s.title)}", f"publisher: {q(s.publisher)}", f"url: {s.url}",
           f"published: {s.published}", f"accessed: {s.accessed}", "language: en", "type: article",
           f"reliability: {s.reliability}", f"credibility: {s.credibility}"]
    if s.annotations:
        out.append("annotations:")
        for a in s.annotations:
            out.append(f"  - quote: {q(a['quote'])}")
            out.append(f"    kind: {a['kind']}")
            if "status" in a:
                out.append(f"    status: {a['status']}")
            if "note" in a:
                out.append(f"    note: {q(a['note'])}")
            if "about" in a:
                out.append("    about: [" + ", ".join(a["about"]) + "]")
    out.append("---")
    return "\n".join(out) + "\n" + s.body


_WIKI = re.compile(r"\[\[([^\[\]|\n]+)(?:\|([^\[\]\n]+))?\]\]")
_CITE = re.compile(r"\[(@[^\[\]\n]+)\]")


class MarkdownPages:
    """The same text as plain Markdown pages: one per entity and per source, title in front matter."""

    def __init__(self, gen: Generator, style: str):
        self.style = style  # "hugo" (links to /folder/id/) or "mkdocs" (relative links to .md files)
        self.where = {e.id: (e.folder, e.name) for e in gen.entities}
        self.where.update({s.id: ("sources", s.title) for s in gen.sources})

    def href(self, id_: str) -> str:
        folder = self.where[id_][0]
        return f"/{folder}/{id_}/" if self.style == "hugo" else f"../{folder}/{id_}.md"

    def text(self, md: str) -> str:
        def link(m):
            return f"[{m.group(2) or self.where[m.group(1)][1]}]({self.href(m.group(1))})"

        def cite(m):
            items = []
            for part in m.group(1).split(";"):
                key, _, locator = part.strip()[1:].partition(",")
                items.append(f"[{key.strip()}]({self.href(key.strip())})" + (f", {locator.strip()}" if locator else ""))
            return "(" + "; ".join(items) + ")"
        return _CITE.sub(cite, _WIKI.sub(link, md))

    def cite_list(self, cites: list[str]) -> str:
        return "; ".join(self.text(f"[@{c}]")[1:-1] for c in cites)

    def entity(self, e: Entity) -> str:
        out = ["---", f"title: {q(e.name)}", "---", ""]
        if e.names or e.aliases:
            out += ["*Also:* " + ", ".join([*e.names.values(), *e.aliases]), ""]
        out += [self.text(e.summary), "", "## Facts", "", "| Fact | Value | Sources |", "|---|---|---|"]
        for label, value, cites in e.facts:
            out.append(f"| {label} | {value} | {self.cite_list(cites)} |")
        if e.relations:
            out += ["", "## Relations", ""]
            for type_, target, cites in e.relations:
                out.append(f"- {type_.replace('-', ' ')} {self.text(f'[[{target}]]')} ({self.cite_list(cites)})")
        return "\n".join(out) + "\n"

    def source(self, s: Source) -> str:
        out = ["---", f"title: {q(s.title)}", "---", "",
               f"*{s.publisher}*, {s.published}. <{s.url}> (accessed {s.accessed}; grade {s.reliability}{s.credibility})", "",
               s.body.rstrip("\n")]
        if s.annotations:
            out += ["", "## Annotations", ""]
            for a in s.annotations:
                out += [f"> {a['quote']}", "", f"**{a['kind'].capitalize()}**"
                        + (f" ({a['status']})" if "status" in a else "") + (": " + self.text(a["note"]) if "note" in a else ""), ""]
        return "\n".join(out) + "\n"


DOSSIER_YAML = """title: Synthetic Border Dossier ({n} entities)
description: A generated dossier for benchmarks (benchmarks/generate.py, seed {seed}).
language: en
license: CC0
map: {{center: [41.5, 127.5], zoom: 6}}
"""

OVERVIEW = """---
title: Overview
order: 1
---
This synthetic dossier has {n} entities and {s} sources. Start with [[{first}]] or [[{second}]].
"""

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Synthetic Border Dossier"
disableKinds = ["taxonomy", "term", "RSS"]
"""

MKDOCS_CONFIG = """site_name: Synthetic Border Dossier
theme:
  name: material
plugins:
  - search
"""


def write_files(root: Path, files):
    for rel, text in files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def generate(entities: int, out: Path, sources: int | None = None, seed: int = 1,
             formats=("dossier", "hugo", "mkdocs")) -> dict:
    if entities < MIN_ENTITIES:
        raise ValueError(f"--entities must be at least {MIN_ENTITIES}")
    sources = max(1, entities // 5) if sources is None else sources
    gen = Generator(entities, sources, seed)
    gen.plan()
    gen.fill_entities()
    gen.fill_sources()
    out.mkdir(parents=True, exist_ok=True)
    ordered = sorted(gen.entities, key=lambda e: e.id)
    if "dossier" in formats:
        root = out / "content"
        shutil.rmtree(root, ignore_errors=True)
        write_files(root, [("dossier.yaml", DOSSIER_YAML.format(n=entities, seed=seed))])
        write_files(root, ((f"entities/{e.folder}/{e.id}.yaml", entity_yaml(e)) for e in ordered))
        write_files(root, ((f"sources/{s.id}.md", source_md(s)) for s in gen.sources))
        write_files(root, [("pages/overview.md", OVERVIEW.format(n=entities, s=sources, first=ordered[0].id, second=ordered[1].id))])
    if "hugo" in formats:
        root = out / "hugo"
        shutil.rmtree(root, ignore_errors=True)
        md = MarkdownPages(gen, "hugo")
        write_files(root, [("hugo.toml", HUGO_CONFIG),
                           ("content/_index.md", '---\ntitle: "Synthetic Border Dossier"\n---\n')])
        for layout in sorted((HERE / "hugo" / "layouts").rglob("*.html")):
            write_files(root, [(f"layouts/{layout.relative_to(HERE / 'hugo' / 'layouts').as_posix()}", layout.read_text(encoding="utf-8"))])
        write_files(root, ((f"content/{e.folder}/{e.id}.md", md.entity(e)) for e in ordered))
        write_files(root, ((f"content/sources/{s.id}.md", md.source(s)) for s in gen.sources))
    if "mkdocs" in formats:
        root = out / "mkdocs"
        shutil.rmtree(root, ignore_errors=True)
        md = MarkdownPages(gen, "mkdocs")
        write_files(root, [("mkdocs.yml", MKDOCS_CONFIG),
                           ("docs/index.md", "# Synthetic Border Dossier\n\nA generated dossier for benchmarks.\n")])
        write_files(root, ((f"docs/{e.folder}/{e.id}.md", md.entity(e)) for e in ordered))
        write_files(root, ((f"docs/sources/{s.id}.md", md.source(s)) for s in gen.sources))
    return {"entities": len(gen.entities), "sources": len(gen.sources),
            "pages": len(gen.entities) + len(gen.sources),
            "kinds": {k: len(v) for k, v in gen.by_kind.items()},
            "annotations": sum(len(s.annotations) for s in gen.sources)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entities", type=int, required=True, help="number of entities (at least 10)")
    ap.add_argument("--sources", type=int, help="number of sources (default: entities / 5)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1): same seed, same files")
    ap.add_argument("--out", type=Path, required=True, help="output folder (content/, hugo/, mkdocs/ inside)")
    ap.add_argument("--formats", default="dossier,hugo,mkdocs", help="which trees to write (default: all three)")
    args = ap.parse_args(argv)
    if args.entities < MIN_ENTITIES:
        ap.error(f"--entities must be at least {MIN_ENTITIES}")
    if args.sources is not None and args.sources < 1:
        ap.error("--sources must be at least 1")
    formats = tuple(f.strip() for f in args.formats.split(",") if f.strip())
    unknown = set(formats) - {"dossier", "hugo", "mkdocs"}
    if unknown:
        ap.error(f"unknown format(s): {', '.join(sorted(unknown))}")
    stats = generate(args.entities, args.out, args.sources, args.seed, formats)
    print(f"generated {stats['entities']} entities ({', '.join(f'{k} {v}' for k, v in stats['kinds'].items())}), "
          f"{stats['sources']} sources, {stats['annotations']} annotations into {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
