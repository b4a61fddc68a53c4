"""The country_regions seed follows the landing contract's rule."""

from __future__ import annotations

import csv

from harness import ROOT

SEED = ROOT / "seeds" / "country_regions.csv"


def _regions() -> dict[str, str]:
    with SEED.open() as handle:
        return {row["country_code"]: row["region"] for row in csv.DictReader(handle)}


def test_every_iso_country_but_antarctica_once() -> None:
    with SEED.open() as handle:
        codes = [row["country_code"] for row in csv.DictReader(handle)]
    assert len(codes) == len(set(codes)) == 248
    assert "AQ" not in codes
    assert "NA" in codes  # Namibia, not a missing value
    assert all(len(code) == 2 and code.isalpha() and code.isupper() for code in codes)


def test_regions_follow_the_contract() -> None:
    regions = _regions()
    assert set(regions.values()) == {"AMER", "LATAM", "EMEA", "APAC"}
    assert sorted(code for code, region in regions.items() if region == "AMER") == [
        "BM",
        "CA",
        "GL",
        "PM",
        "US",
    ]
    expected = {
        "MX": "LATAM", "BR": "LATAM", "PR": "LATAM", "JM": "LATAM", "AR": "LATAM",
        "RU": "EMEA", "TR": "EMEA", "EG": "EMEA", "IR": "EMEA", "IL": "EMEA",
        "CY": "EMEA", "AE": "EMEA", "SA": "EMEA", "ZA": "EMEA", "NG": "EMEA",
        "PT": "EMEA", "IN": "APAC", "JP": "APAC", "CN": "APAC", "AU": "APAC",
        "NZ": "APAC", "FJ": "APAC", "KZ": "APAC", "PK": "APAC",
    }  # fmt: skip
    assert {code: regions[code] for code in expected} == expected
