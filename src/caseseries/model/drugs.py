"""The drug reference, data/reference/drugs.yaml: each agent's class, group and target, with its source.

Validation refuses a case that names a drug missing here (suggesting names of the same class
when the case gives one) and an unnamed agent (``drug: not stated``) whose class or group the
reference does not know. Views read every agent through :func:`agent_info` (or
:func:`agent_group`, :func:`agent_target`, :func:`is_checkpoint_inhibitor`), which answer for a
named drug from its entry and for an unnamed one from the class, group and target the case
gives: an unnamed checkpoint inhibitor counts as immunotherapy everywhere.
Read with the same safe, line-numbered YAML reader as the case files. No pandas here:
``caseseries validate`` imports this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from pydantic import ConfigDict, Field, ValidationError, model_validator

from caseseries.model.case import GROUP_KINDS, NOT_STATED, Agent, Group, Locator, Regimen, Strict, Text, modality_parts
from caseseries.model.paths import project_root
from caseseries.model.yamlfile import YamlError, read_yaml

CHECKPOINT_INHIBITOR = "immune checkpoint inhibitor"
# Groups whose entries need no target: cytotoxics, and cytokines (which act on their own receptor).
GROUPS_WITHOUT_TARGET = frozenset(g for g, kind in GROUP_KINDS.items() if kind == "chemotherapy") | {"immunostimulant"}
GROUPS = tuple(GROUP_KINDS)


class DrugSource(Strict):
    """Where the class and target come from: a label, the WHO ATC index, or a case source with its locator."""

    reference: Text
    url: Text | None = None
    file: Text | None = Field(default=None, description="file name in ../shared/sources/, when a case source says it")
    locator: Locator | None = None
    quote: Text | None = Field(default=None, description="verbatim, only from a text we hold (file)")

    @model_validator(mode="after")
    def _quote_is_checkable(self) -> "DrugSource":
        if self.quote is not None and self.file is None:
            raise ValueError("quote: a verbatim quote needs the `file` in ../shared/sources/ it can be checked "
                             "against; cite the document in `reference` instead")
        return self


class Drug(Strict):
    model_config = ConfigDict(populate_by_name=True)

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9 ()+.-]*$", max_length=80)]
    drug_class: Text = Field(alias="class", description="e.g. 'anti-PD-1 monoclonal antibody', 'taxane'")
    group: Group
    target: Text | None = Field(default=None, description="molecular target: PD-1, PD-L1, VEGF, VEGFR-2, ...")
    source: DrugSource

    @model_validator(mode="after")
    def _targeted_has_target(self) -> "Drug":
        if self.group not in GROUPS_WITHOUT_TARGET and self.target is None:
            raise ValueError(f"target: missing (required for the group '{self.group}')")
        if self.name == NOT_STATED:
            raise ValueError("name: 'not stated' is how a case file writes an unnamed agent; it is not a drug")
        return self

    @property
    def is_checkpoint_inhibitor(self) -> bool:
        return self.group == CHECKPOINT_INHIBITOR

    @property
    def kind(self) -> str:
        """chemotherapy, targeted therapy or immunotherapy."""
        return GROUP_KINDS[self.group]


class DrugFile(Strict):
    drugs: list[Drug] = Field(min_length=1)


Reference = dict[str, Drug]


def reference_path(root: Path | None = None) -> Path:
    return (root or project_root()) / "data" / "reference" / "drugs.yaml"


@dataclass(frozen=True)
class ReferenceRead:
    """The drug reference as far as it could be read: the valid entries, and every error of the file.

    ``broken`` names the entries that have errors (they are not in ``drugs``); ``readable`` is False
    when the file is missing or not a readable list of drugs at all.
    """

    path: Path
    drugs: Reference
    errors: list[str] = field(default_factory=list)
    broken: frozenset[str] = frozenset()
    readable: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors


_cache: dict[tuple, ReferenceRead] = {}


def read_reference(path: Path | None = None) -> ReferenceRead:
    """Every error of the reference file (``file:LINE: field: message``), and the entries that are valid."""
    from caseseries.model.messages import display_path, format_error as _format, leaf_errors as _leaf_errors, message as _message

    path = Path(path) if path is not None else reference_path()
    shown = display_path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return ReferenceRead(path, {}, [f"{shown}: no such file (the drug reference: every drug a case names must "
                                        "be listed there)"], readable=False)
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size, shown)
    if key in _cache:
        return _cache[key]
    try:
        data, lines = read_yaml(path)
    except UnicodeDecodeError as exc:
        return ReferenceRead(path, {}, [f"{shown}: not UTF-8 text ({exc.reason} at byte {exc.start})"], readable=False)
    except YamlError as exc:
        return ReferenceRead(path, {}, [f"{shown}:{exc.line}: {exc.message}"], readable=False)
    errors: list[str] = []
    try:
        DrugFile.model_validate(data)
    except ValidationError as exc:
        errors = [_format(shown, lines, tuple(e["loc"]), _drug_message(e, _message)) for e in _leaf_errors(exc)]
    entries = data.get("drugs") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        out = ReferenceRead(path, {}, errors or [f"{shown}:1: drugs: expected a list of drugs"], readable=False)
        _cache[key] = out
        return out
    drugs: Reference = {}
    broken: set[str] = set()
    for i, entry in enumerate(entries):
        try:
            drug = Drug.model_validate(entry)
        except ValidationError:
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                broken.add(entry["name"].strip())
            continue
        if drug.name in drugs:
            errors.append(_format(shown, lines, ("drugs", i, "name"), f"duplicate drug '{drug.name}'"))
            continue
        drugs[drug.name] = drug
    out = ReferenceRead(path, drugs, errors, frozenset(broken - set(drugs)))
    _cache[key] = out
    return out


def load_reference(path: Path | None = None) -> Reference:
    """The drugs by name; raise CaseFileError naming the reference file, line and field of every error."""
    from caseseries.model.messages import CaseFileError

    read = read_reference(path)
    if read.errors:
        raise CaseFileError(list(read.errors))
    return read.drugs


def _drug_message(e: dict, message) -> str:
    """The loader's wording, with suggestions from the reference's own keys for an unknown key."""
    if e["type"] != "extra_forbidden":
        return message(e)
    import difflib

    key, parent = str(e["loc"][-1]), [p for p in e["loc"][:-1] if not isinstance(p, int)]
    cls = {(): DrugFile, ("drugs",): Drug, ("drugs", "source"): DrugSource,
           ("drugs", "source", "locator"): Locator}.get(tuple(parent))
    fields = [] if cls is None else [f.alias or name for name, f in cls.model_fields.items()]
    hint = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
    return f"unknown key '{key}'" + (f" (did you mean '{hint[0]}'?)" if hint else
                                     f" (expected one of: {', '.join(fields)})" if fields else "")


def known_names(path: Path | None = None) -> list[str]:
    return sorted(load_reference(path))


def checkpoint_inhibitors(drug_names: list[str], reference: Reference) -> list[Drug]:
    """The checkpoint inhibitors among these named drugs, in the order given (see checkpoint_agents for agents)."""
    return [reference[n] for n in drug_names if n in reference and reference[n].is_checkpoint_inhibitor]


# ------------------------------------------------------------------ classes of the reference


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


def class_forms(drug_class: str) -> set[str]:
    """The ways a case file may write a reference class: whole, the part before '(', or the part in it.

    'granulocyte-macrophage colony-stimulating factor (GM-CSF)' is known as itself, as
    'granulocyte-macrophage colony-stimulating factor' and as 'GM-CSF' (any case).
    """
    whole = _norm(drug_class)
    forms = {whole}
    match = re.match(r"^(.*?)\s*\((.*)\)$", whole)
    if match:
        forms |= {match[1].strip(), match[2].strip()} - {""}
    return forms


def drugs_of_class(drug_class: str, reference: Mapping[str, Drug]) -> list[Drug]:
    """The reference's drugs whose class is this one (in any of its forms, see class_forms), by name."""
    wanted = _norm(drug_class)
    return [reference[n] for n in sorted(reference) if wanted in class_forms(reference[n].drug_class)]


def known_classes(reference: Mapping[str, Drug]) -> list[str]:
    """Every class of the reference, as written there, sorted."""
    return sorted({d.drug_class for d in reference.values()})


def known_groups(reference: Mapping[str, Drug]) -> list[str]:
    """The groups that at least one drug of the reference belongs to, in the order of the group list."""
    used = {d.group for d in reference.values()}
    return [g for g in GROUPS if g in used]


def _one(values: Iterable[str | None]) -> str | None:
    found = {v for v in values if v is not None}
    return found.pop() if len(found) == 1 else None


def class_group(drug_class: str, reference: Mapping[str, Drug]) -> str | None:
    """The group of a class: that of the reference's drugs of the class (when they agree), or the group so named."""
    group = _one(d.group for d in drugs_of_class(drug_class, reference))
    if group is None and _norm(drug_class) in GROUP_KINDS:
        group = _norm(drug_class)
    return group


# ------------------------------------------------------------------ agents, named or not


@dataclass(frozen=True)
class AgentInfo:
    """What the series and the reports need of one agent, whether the source names the drug or not."""

    name: str | None            # the drug's name; None when the source does not name it
    label: str                  # how views show it: 'cisplatin', 'immune checkpoint inhibitor (PD-1), drug not stated'
    drug_class: str | None      # the reference's class of a named drug; the case's wording for an unnamed one
    group: str | None           # a group of GROUP_KINDS, or None when the reference cannot tell
    target: str | None          # e.g. PD-1; None when not known
    entry: Drug | None = None   # the reference entry of a named drug

    @property
    def named(self) -> bool:
        return self.name is not None

    @property
    def kind(self) -> str | None:
        """chemotherapy, targeted therapy or immunotherapy (None when the group is not known)."""
        return GROUP_KINDS.get(self.group) if self.group else None

    @property
    def is_checkpoint_inhibitor(self) -> bool:
        return self.group == CHECKPOINT_INHIBITOR


def agent_info(agent: Agent, reference: Mapping[str, Drug]) -> AgentInfo:
    """One agent as the views read it: from its reference entry when named, else from the class, group and
    target the case file gives (a class of the reference also gives its group, and its target when all the
    reference's drugs of that class share one)."""
    if agent.named:
        entry = reference.get(agent.drug)
        if entry is not None:
            return AgentInfo(agent.drug, agent.drug, entry.drug_class, entry.group, entry.target, entry)
        return AgentInfo(agent.drug, agent.drug, agent.drug_class, agent.group, agent.target)
    of_class = drugs_of_class(agent.drug_class, reference) if agent.drug_class else []
    group = agent.group or (class_group(agent.drug_class, reference) if agent.drug_class else None)
    target = _spelt_as_reference(agent.target, reference) if agent.target else _one(d.target for d in of_class)
    what = agent.drug_class or group or "agent"
    if target and target.lower() not in what.lower():
        what += f" ({target})"
    return AgentInfo(None, f"{what}, drug not stated", agent.drug_class, group, target)


def _spelt_as_reference(target: str, reference: Mapping[str, Drug]) -> str:
    """A target as the reference writes it (pd-1: PD-1), so that both spellings are one target; else as given."""
    return next((d.target for d in reference.values() if d.target and d.target.lower() == target.lower()), target)


def agent_group(agent: Agent, reference: Mapping[str, Drug]) -> str | None:
    """The agent's group (named: its reference entry's; unnamed: the group or class the case gives)."""
    return agent_info(agent, reference).group


def agent_target(agent: Agent, reference: Mapping[str, Drug]) -> str | None:
    """The agent's molecular target, named or not (None when not known)."""
    return agent_info(agent, reference).target


def agent_kind(agent: Agent, reference: Mapping[str, Drug]) -> str | None:
    """chemotherapy, targeted therapy or immunotherapy, named or not (None when not known)."""
    return agent_info(agent, reference).kind


def is_checkpoint_inhibitor(agent: Agent, reference: Mapping[str, Drug]) -> bool:
    """True for a checkpoint inhibitor, named (per its entry) or not (group or class given by the case)."""
    return agent_info(agent, reference).is_checkpoint_inhibitor


def checkpoint_agents(agents: Iterable[Agent], reference: Mapping[str, Drug]) -> list[AgentInfo]:
    """The checkpoint inhibitors among these agents, named or not, in the order given."""
    return [info for info in (agent_info(a, reference) for a in agents) if info.is_checkpoint_inhibitor]


def regimen_therapies(regimen: Regimen, reference: Mapping[str, Drug]) -> set[str]:
    """What a regimen gives: the parts of its modality and the kinds of its agents (e.g. {'radiotherapy',
    'immunotherapy'} for radiotherapy + GM-CSF + an unnamed PD-1 inhibitor)."""
    kinds = {agent_kind(a, reference) for a in regimen.agents} - {None}
    return set(modality_parts(regimen.modality)) | kinds


def is_immunotherapy(regimen: Regimen, reference: Mapping[str, Drug]) -> bool:
    """A regimen counts as immunotherapy when its modality says so or an agent is one (named or not)."""
    return "immunotherapy" in regimen_therapies(regimen, reference)


# ------------------------------------------------------------------ names in views


def view_reference(reference: Mapping[str, Drug] | None = None) -> Mapping[str, Drug]:
    """The reference a view reads agents through: the one given, else the project's valid entries.

    A view never fails on the drug reference: an entry with errors (which validation reports) is
    left out, and its agents are shown by their name or by what the case gives.
    """
    return read_reference().drugs if reference is None else reference


def agent_label(agent: Agent, reference: Mapping[str, Drug]) -> str:
    """How views name an agent: 'cisplatin', 'platinum compound, drug not stated'."""
    return agent_info(agent, reference).label


def regimen_name(regimen: Regimen, reference: Mapping[str, Drug]) -> str:
    """How views name a regimen: its name, else its agents ('paclitaxel + platinum compound, drug not stated')."""
    return regimen.name or " + ".join(agent_label(a, reference) for a in regimen.agents)
