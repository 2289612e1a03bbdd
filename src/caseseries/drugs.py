"""The drug reference, data/reference/drugs.yaml: each agent's class, group and target, with its source.

Validation refuses a case that names a drug missing here (with the closest known names);
the series uses ``group`` to find checkpoint inhibitors and ``target`` to group them.
Read with the same safe, line-numbered YAML reader as the case files. No pandas here:
``caseseries validate`` imports this module.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, ValidationError, model_validator

from .model import Locator, Strict, Text
from .paths import project_root
from .yamlfile import YamlError, read_yaml

CHECKPOINT_INHIBITOR = "immune checkpoint inhibitor"

# Each group, and the kind of therapy it belongs to (how a regimen of it is coloured).
GROUP_KINDS = {
    "immune checkpoint inhibitor": "immunotherapy",
    "angiogenesis inhibitor": "targeted therapy",
    "antibody-drug conjugate": "targeted therapy",
    "other targeted agent": "targeted therapy",
    "taxane": "chemotherapy",
    "platinum compound": "chemotherapy",
    "antimetabolite": "chemotherapy",
    "topoisomerase inhibitor": "chemotherapy",
    "alkylating agent": "chemotherapy",
}
Group = Literal[
    "immune checkpoint inhibitor", "angiogenesis inhibitor", "antibody-drug conjugate", "other targeted agent",
    "taxane", "platinum compound", "antimetabolite", "topoisomerase inhibitor", "alkylating agent",
]


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
        if GROUP_KINDS[self.group] != "chemotherapy" and self.target is None:
            raise ValueError(f"target: missing (required for the group '{self.group}')")
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


_cache: dict[tuple, Reference] = {}


def load_reference(path: Path | None = None) -> Reference:
    """The drugs by name; raise CaseFileError naming the reference file, line and field."""
    from .load import CaseFileError, _format, _leaf_errors, _message, display_path  # load imports this module

    path = Path(path) if path is not None else reference_path()
    shown = display_path(path)
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise CaseFileError([f"{shown}: no such file (the drug reference: every drug a case names must be listed there)"]) from None
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key in _cache:
        return _cache[key]
    try:
        data, lines = read_yaml(path)
    except YamlError as exc:
        raise CaseFileError([f"{shown}:{exc.line}: {exc.message}"]) from None
    try:
        parsed = DrugFile.model_validate(data)
    except ValidationError as exc:
        raise CaseFileError([_format(shown, lines, tuple(e["loc"]), _drug_message(e, _message))
                             for e in _leaf_errors(exc)]) from None
    out: Reference = {}
    errors = []
    for i, drug in enumerate(parsed.drugs):
        if drug.name in out:
            errors.append(_format(shown, lines, ("drugs", i, "name"), f"duplicate drug '{drug.name}'"))
        out[drug.name] = drug
    if errors:
        raise CaseFileError(errors)
    _cache[key] = out
    return out


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
    """The checkpoint inhibitors among these drugs, in the order given."""
    return [reference[n] for n in drug_names if n in reference and reference[n].is_checkpoint_inhibitor]
