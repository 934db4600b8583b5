"""Countries by name and ISO 3166 alpha-3 code, from the package's countries table
(flashpoint/data/countries.csv: names and aliases), for filters and labels a person types or reads."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataFileError, InputError
from ..lexicon import data_path


@dataclass(frozen=True, slots=True)
class Countries:
    names: dict[str, str]  # code -> name
    codes: dict[str, str]  # each name and alias, case-folded -> code

    @classmethod
    def load(cls, path: Path | None = None) -> Countries:
        path = path or data_path("countries.csv")
        names: dict[str, str] = {}
        codes: dict[str, str] = {}
        try:
            with path.open(encoding="utf-8", newline="") as fh:
                for row in csv.DictReader(fh):
                    code, name = row["iso3"].strip(), row["name"].strip()
                    names[code] = name
                    for alias in [name, *(row.get("aliases") or "").split("|")]:
                        if alias.strip():
                            codes.setdefault(alias.strip().casefold(), code)
        except (OSError, KeyError, csv.Error) as exc:
            raise DataFileError(f"cannot be read as the countries table: {exc}", source=str(path)) from None
        return cls(names, codes)

    def code_of(self, text: str, source: str = "country") -> str:
        """The code of a country given by its code ("sdn") or one of its names ("Sudan", "DRC")."""
        given = text.strip()
        if given.upper() in self.names:
            return given.upper()
        code = self.codes.get(given.casefold())
        if code is None:
            hints = [f"{n} ({c})" for n, c in self.matching(given, 3)]
            raise InputError(f"no country {given!r}; give an ISO 3166 alpha-3 code or a name"
                             + (f" ({', '.join(hints)}?)" if hints else ""), source=source)
        return code

    def name_of(self, code: str) -> str | None:
        return self.names.get(code)

    def matching(self, prefix: str, limit: int = 10) -> list[tuple[str, str]]:
        """(name, code) of the countries whose code, name or an alias starts with `prefix`, by name."""
        p = prefix.strip().casefold()
        if not p:
            return []
        found = {code for alias, code in self.codes.items() if alias.startswith(p)}
        found |= {code for code in self.names if code.casefold().startswith(p)}
        return sorted(((self.names[c], c) for c in found), key=lambda nc: nc[0])[:limit]
