"""Small synthetic event files in the layouts of ACLED and UCDP (no real data copied).

Each writer returns a :class:`Fake` with what an import must report: records read, loaded
and rejected, and the reject reasons (their part before ``:``).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "ACLED_COLUMNS",
    "ACLED_HXL",
    "GED_COLUMNS",
    "GED_HDX_COLUMNS",
    "GED_HDX_TAGS",
    "WEEKLY_COLUMNS",
    "Fake",
    "acled_row",
    "ged_row",
    "write_acled",
    "write_acled_json",
    "write_acled_weekly",
    "write_csv",
    "write_ged",
]

_ACLED_COLUMNS_TEXT = (
    "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,"
    "actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,"
    "iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,"
    "source_scale,notes,fatalities,tags,timestamp"
)
ACLED_COLUMNS = _ACLED_COLUMNS_TEXT.split(",")
_WEEKLY_COLUMNS_TEXT = ("WEEK,REGION,COUNTRY,ADMIN1,EVENT_TYPE,SUB_EVENT_TYPE,EVENTS,FATALITIES,"
                  "POPULATION_EXPOSURE,DISORDER_TYPE,ID,CENTROID_LATITUDE,CENTROID_LONGITUDE"
                  )
WEEKLY_COLUMNS = _WEEKLY_COLUMNS_TEXT.split(",")
_GED_COLUMNS_TEXT = (
    "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,"
    "conflict_name,dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,"
    "side_b_dset_id,side_b_new_id,side_b,number_of_sources,source_article,source_office,"
    "source_date,source_headline,source_original,where_prec,where_coordinates,"
    "where_description,adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,"
    "country_id,region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,"
    "deaths_civilians,deaths_unknown,best,high,low,gwnoa,gwnob"
)
GED_COLUMNS = _GED_COLUMNS_TEXT.split(",")
_GED_HDX_COLUMNS_TEXT = (
    "id,year,active_year,start_year,end_year,type_of_violence,conflict_new_id,conflict_name,"
    "dyad_new_id,dyad_name,side_a_new_id,gwnoa,side_a,side_b_new_id,gwnob,side_b,"
    "number_of_sources,source_article,source_office,source_date,source_headline,"
    "source_original,where_prec,where_coordinates,adm_1,adm_2,latitude,longitude,geom_wkt,"
    "priogrid_gid,country,country_id,iso3,region,event_clarity,date_prec,date_start,date_end,"
    "deaths_a,deaths_b,deaths_civilians,deaths_unknown,low,best,high"
)
GED_HDX_COLUMNS = _GED_HDX_COLUMNS_TEXT.split(",")
GED_HDX_TAGS = {"year": "#date+year", "side_a": "#group+name+first",
                "side_b": "#group+name+second", "source_article": "#meta+source",
                "where_coordinates": "#loc+name", "adm_1": "#adm1+name", "latitude": "#geo+lat",
                "longitude": "#geo+lon", "country": "#country+name", "iso3": "#country+code",
                "date_start": "#date+start", "date_end": "#date+end", "best": "#affected+killed"}

ACTORS = ("Islamic Resistance in Iraq", "Kataib Hizballah", "Militia (Pro-Iran)",
          "Unidentified Armed Group (Iraq)", "Military Forces of Iraq (2022-)")
TARGETS = ("Military Forces of the United States (2021-)", "Civilians (Iraq)",
           "Islamic State (Iraq)", "")
INTER_CODES = {"Military Forces of Iraq (2022-)": "1", "Islamic State (Iraq)": "2",
               "Militia (Pro-Iran)": "3", "Islamic Resistance in Iraq": "3",
               "Kataib Hizballah": "3", "Unidentified Armed Group (Iraq)": "3",
               "Civilians (Iraq)": "7", "Military Forces of the United States (2021-)": "8",
               "": "0"}
INTER_TEXT = {"0": "", "1": "State forces", "2": "Rebel group", "3": "Political militia",
              "7": "Civilians", "8": "External/Other forces"}
EVENT_TYPES = ("Explosions/Remote violence", "Battles", "Violence against civilians")


@dataclass
class Fake:
    """A generated file and what importing it must give."""

    path: Path
    read: int
    loaded: int
    rejected: int
    reasons: set[str] = field(default_factory=set)


def write_csv(path: Path, header: list[str], rows: list[list[str]],
              extra_lines: list[str] | None = None, delimiter: str = ",") -> Path:
    """Write a CSV with ``csv`` quoting; ``extra_lines`` are appended verbatim."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n", delimiter=delimiter)
        w.writerow(header)
        w.writerows(rows)
        for line in extra_lines or []:
            fh.write(line + "\n")
    return path


ACLED_HXL = {"event_id_cnty": "#event+code", "event_date": "#date+occurred",
             "event_type": "#event+type", "actor1": "#group+name+first",
             "actor2": "#group+name+second", "country": "#country+name",
             "admin1": "#adm1+name", "latitude": "#geo+lat", "longitude": "#geo+lon",
             "fatalities": "#affected+killed"}
"""HXL tags of an ACLED file as served by HDX (a tag row under the header)."""


def acled_row(i: int, day: dt.date, classic: bool = True, actor1: str | None = None,
              actor2: str | None = None, event_type: str | None = None,
              fatalities: int | str = 0, assoc1: str = "") -> dict[str, str]:
    """One ACLED event as a dict of text cells."""
    a1 = actor1 if actor1 is not None else ACTORS[i % len(ACTORS)]
    a2 = actor2 if actor2 is not None else TARGETS[i % len(TARGETS)]
    c1, c2 = INTER_CODES.get(a1, "3"), INTER_CODES.get(a2, "3")
    lo, hi = sorted([c1, c2]) if c2 != "0" else (c1, "0")
    if classic:
        inter1, inter2, interaction = c1, c2, f"{lo}{hi}"
        date = day.strftime("%d %B %Y")
    else:
        inter1, inter2 = INTER_TEXT.get(c1, ""), INTER_TEXT.get(c2, "")
        interaction = (f"{INTER_TEXT[lo]}-{INTER_TEXT[hi]}" if hi != "0"
                       else f"{INTER_TEXT[lo]} only")
        date = day.isoformat()
    cells = {
        "event_id_cnty": f"IRQ{1000 + i}", "event_date": date, "year": str(day.year),
        "time_precision": "1", "disorder_type": "Political violence",
        "event_type": event_type or EVENT_TYPES[i % len(EVENT_TYPES)],
        "sub_event_type": "Shelling/artillery/missile attack", "actor1": a1,
        "assoc_actor_1": assoc1, "inter1": inter1, "actor2": a2, "assoc_actor_2": "",
        "inter2": inter2, "interaction": interaction,
        "civilian_targeting": "Civilian targeting" if a2.startswith("Civilians") else "",
        "iso": "368", "region": "Middle East", "country": "Iraq", "admin1": "Al Anbar",
        "admin2": "Heet", "admin3": "", "location": "Ain al-Asad Airbase",
        "latitude": f"{33.8 + (i % 10) / 100:.4f}", "longitude": "42.4412",
        "geo_precision": "1", "source": "Shafaq News; Twitter", "source_scale": "National",
        "notes": f'On {day.isoformat()}, a drone attack (event {i}), "quoted", with commas, '
                 "targeted the base.",
        "fatalities": str(fatalities), "tags": "", "timestamp": "1706745600",
    }
    return cells


_ACLED_BAD: list[tuple[str, dict[str, str]]] = [
    ("missing event id", {"event_id_cnty": ""}),
    ("bad date", {"event_date": "31 Smarch 2024"}),
    ("unparseable coordinates", {"latitude": "N/A"}),
    ("bad count", {"fatalities": "several"}),
    ("coordinates out of range", {"latitude": "123.5"}),
    ("incomplete coordinates", {"longitude": ""}),
]


def write_acled(path: Path, n: int = 24, classic: bool = True, bad: bool = True,
                start: dt.date = dt.date(2023, 10, 17), id_offset: int = 0,
                hxl: bool = False, delimiter: str = ",") -> Fake:
    """An ACLED export (classic or 2023+ API CSV): ``n`` good events, then bad records.

    ``hxl`` adds an HDX tag row under the header; ``delimiter`` changes the separator.
    """
    rows = [acled_row(i + id_offset, start + dt.timedelta(days=i // 2), classic)
            for i in range(n)]
    reasons: set[str] = set()
    extra: list[str] = []
    if bad:
        for k, (reason, patch) in enumerate(_ACLED_BAD):
            row = acled_row(900 + k + id_offset, start, classic)
            row.update(patch)
            rows.append(row)
            reasons.add(reason)
        dup = dict(rows[0])
        rows.append(dup)
        reasons.add("duplicate event id")
        extra.append(delimiter.join(["IRQ99999", "too", "few", "columns"]))
        reasons.add("malformed CSV record")
    body = [[r[c] for c in ACLED_COLUMNS] for r in rows]
    if hxl:
        body.insert(0, [ACLED_HXL.get(c, "") for c in ACLED_COLUMNS])
    write_csv(path, ACLED_COLUMNS, body, extra, delimiter)
    n_bad = len(rows) - n + len(extra)
    return Fake(path, n + n_bad, n, n_bad, reasons)


def write_acled_json(path: Path, n: int = 24, bad: bool = True, wrapped: bool = True,
                     start: dt.date = dt.date(2023, 10, 17)) -> Fake:
    """An ACLED API answer: ``{"status": 200, "count": n, "data": [...]}``."""
    records: list[Any] = [acled_row(i, start + dt.timedelta(days=i // 2), classic=False)
                          for i in range(n)]
    for r in records:
        r["fatalities"] = int(r["fatalities"])  # the API sometimes sends numbers
    reasons: set[str] = set()
    if bad:
        row = acled_row(950, start, classic=False)
        row["event_date"] = "2024-13-45"
        records.append(row)
        records.append(["not", "an", "object"])
        reasons |= {"bad date", "not a JSON object"}
    doc: Any = {"status": 200, "success": True, "count": len(records), "data": records}
    path.write_text(json.dumps(doc if wrapped else records), encoding="utf-8")
    return Fake(path, len(records), n, len(records) - n, reasons)


def write_acled_weekly(path: Path, weeks: int = 6, bad: bool = True) -> Fake:
    """ACLED's weekly aggregated layout (admin1 x sub-event type x week)."""
    rows: list[list[str]] = []
    first = dt.date(2023, 10, 14)  # a Saturday, as in ACLED's files
    for w in range(weeks):
        day = first + dt.timedelta(weeks=w)
        for admin1, (etype, sub) in (("Baghdad", ("Battles", "Armed clash")),
                                     ("Al Anbar", ("Explosions/Remote violence",
                                                   "Air/drone strike"))):
            rows.append([f"{day.day:02d}-{day.strftime('%B')}-{day.year}", "Middle East",
                         "Iraq", admin1, etype, sub, str(1 + w), str(w % 3), "12263.0",
                         "Political violence", "3674.0", "33.3", "44.4"])
    good = len(rows)
    reasons: set[str] = set()
    if bad:
        rows.append(["someday", "Middle East", "Iraq", "Basra", "Battles", "Armed clash", "1",
                     "0", "", "Political violence", "1.0", "30.5", "47.8"])
        rows.append(["21-October-2023", "Middle East", "Iraq", "Basra", "Battles",
                      "Armed clash", "many", "0", "", "Political violence", "1.0", "30.5",
                      "47.8"])
        reasons |= {"bad date", "bad count"}
    write_csv(path, WEEKLY_COLUMNS, rows)
    return Fake(path, len(rows), good, len(rows) - good, reasons)


def ged_row(i: int, day: dt.date, hdx: bool = False) -> dict[str, str]:
    """One UCDP GED event as a dict of text cells (both layouts' columns)."""
    side_b = ("IS" if i % 3 else "IS, Kataib Hizballah") if i % 4 else "Civilians"
    violence = "3" if side_b == "Civilians" else "1"
    best = str(i % 5)
    return {
        "id": str(500000 + i), "relid": f"IRQ-2017-1-{i}", "year": str(day.year),
        "active_year": "1", "code_status": "Clear", "type_of_violence": violence,
        "conflict_dset_id": "259", "conflict_new_id": "259",
        "conflict_name": "Iraq: Government", "dyad_dset_id": "524", "dyad_new_id": "524",
        "dyad_name": f"Government of Iraq - {side_b}", "side_a_dset_id": "116",
        "side_a_new_id": "116", "side_a": "Government of Iraq", "side_b_dset_id": "234",
        "side_b_new_id": "234", "side_b": side_b,
        "number_of_sources": "-1" if i % 2 else "2",
        "source_article": f'"Agence France Presse,{day},Clashes";"Reuters,{day},Attack"',
        "source_office": "Agence France Presse;Reuters", "source_date": f"{day};{day}",
        "source_headline": "Clashes;Attack", "source_original": "Doctor",
        "where_prec": "1", "where_coordinates": "Al Fallujah town",
        "where_description": "in Fallujah", "adm_1": "Al Anbar province",
        "adm_2": "Qada al Fallujah", "latitude": "33.355813", "longitude": "43.786124",
        "geom_wkt": "POINT (43.786124 33.355813)", "priogrid_gid": "177568",
        "country": "Iraq", "country_id": "645", "iso3": "IRQ", "region": "Middle East",
        "event_clarity": "1", "date_prec": "1", "date_start": day.isoformat(),
        "date_end": day.isoformat(), "deaths_a": "0", "deaths_b": best,
        "deaths_civilians": "0", "deaths_unknown": "0", "best": best, "high": best,
        "low": "-1" if i % 7 == 0 else best, "gwnoa": "645", "gwnob": "",
        "start_year": str(day.year), "end_year": str(day.year),
    }


def write_ged(path: Path, n: int = 20, hdx: bool = False, bad: bool = True) -> Fake:
    """A UCDP GED file: standard 49 columns, or the HDX variant with an HXL tag row."""
    cols = GED_HDX_COLUMNS if hdx else GED_COLUMNS
    start = dt.date(2017, 3, 1)
    rows = [ged_row(i, start + dt.timedelta(days=i), hdx) for i in range(n)]
    reasons: set[str] = set()
    if bad:
        for k, (reason, patch) in enumerate([
            ("missing event id", {"id": ""}),
            ("bad date", {"date_start": "2017-02-30"}),
            ("bad end date", {"date_end": "2016-01-01"}),
            ("bad count", {"best": "-5"}),
        ]):
            row = ged_row(800 + k, start, hdx)
            row.update(patch)
            rows.append(row)
            reasons.add(reason)
    body = [[r[c] for c in cols] for r in rows]
    if hdx:
        body.insert(0, [GED_HDX_TAGS.get(c, "") for c in cols])
    write_csv(path, cols, body)
    return Fake(path, len(rows), n, len(rows) - n, reasons)
