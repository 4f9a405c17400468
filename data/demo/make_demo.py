"""Builds the partnership history of the bundled demo data set, checks the whole set and updates its data card.

The data set ships inside the package, in ``matcher/data/demo/`` (so an installed matcher has its demo); this
script, like every data-making script, lives in ``data/``. The organisation profiles in ``profiles.csv`` are
written by hand and are the source of truth. This script derives ``partnerships.csv`` from them
(deterministically, from a fixed seed), checks both files against the vocabularies of :mod:`matcher.vocab`, and
rewrites the generated sections of ``data/README.md`` (counts and the planted facts) so the data card never
drifts from the data. Organisations outside the six alliance places (id code ``gl``) get the partnerships listed
in :data:`OUTSIDE_LINKS` instead of generated ones, and the planted investment leads (:data:`PLANTED_LEADS`) are
also written to ``tests/data/planted_leads.csv`` for the tests.

Example:
    $ python3 data/demo/make_demo.py            # rewrite partnerships.csv and the README sections, then check
    $ python3 data/demo/make_demo.py --check    # only check; exits 1 and lists the problems if any
    $ python3 data/demo/make_demo.py --check --verify   # also re-rank the planted facts with the encoders
"""

from __future__ import annotations

import argparse
import csv
import logging
import random
import re
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))  # run as a plain script from any directory

import pandas as pd  # noqa: E402

from matcher.validate import validate_profiles  # noqa: E402
from matcher.vocab import (  # noqa: E402
    ALLIANCE_CITIES,
    ORG_TYPES,
    PARTNERSHIP_KINDS,
    SECTOR_LABELS,
    SECTORS,
    STAGES,
    split_list,
    split_sectors,
)

logger = logging.getLogger(__name__)

DEMO = ROOT / "matcher" / "data" / "demo"
PROFILES_CSV = DEMO / "profiles.csv"
PARTNERSHIPS_CSV = DEMO / "partnerships.csv"
README = ROOT / "data" / "README.md"
PLANTED_LEADS_CSV = ROOT / "tests" / "data" / "planted_leads.csv"

PROFILE_HEADER = (
    "id,name,org_type,city,country,sectors,description,offers,seeks,website,employees,founded,stage,"
    "technologies,languages,tags"
).split(",")
PARTNERSHIP_HEADER = ["source_id", "target_id", "kind", "year", "note"]
CITY_CODES = {
    "dj": "Daejeon",
    "se": "Seattle",
    "ca": "Calgary",
    "do": "Dortmund",
    "ma": "Málaga",
    "mc": "Montgomery County",
}
OUTSIDE_CODE = "gl"
OUTSIDE_PLACES: dict[str, str] = {
    "Basel": "CH",
    "Boston": "US",
    "Cambridge": "GB",
    "Copenhagen": "DK",
    "Darmstadt": "DE",
    "Eindhoven": "NL",
    "Hamburg": "DE",
    "Hsinchu": "TW",
    "Lyon": "FR",
    "Munich": "DE",
    "Shanghai": "CN",
    "Shenzhen": "CN",
    "Singapore": "SG",
    "Tokyo": "JP",
    "Toronto": "CA",
}
"""Cities outside the alliance where the ``gl`` (global) organisations are, with their ISO country codes."""
ID_PATTERN = re.compile(r"^(dj|se|ca|do|ma|mc|gl)-(bio|tech)-\d{3}$")
FIRST_YEAR, LAST_YEAR = 2012, 2025
SPLIT_YEAR = 2021  # history up to this year, test links after it
SEED = 20251128

PLANTED_PAIRS: tuple[tuple[str, str, str, str], ...] = (
    # (seeker, provider, what the seeker needs, what the provider offers)
    (
        "dj-bio-001",
        "ma-bio-001",
        "GMP conjugation and fill-finish of an ADC for phase I",
        "GMP ADC manufacturing in OEB5 isolators, vial filling and freeze-drying",
    ),
    (
        "ca-tech-001",
        "do-tech-001",
        "independent pouch-cell builds and cycling/abuse tests for a silicon anode",
        "prototype pouch cells from partners' materials and certified battery testing",
    ),
    (
        "se-bio-002",
        "mc-bio-001",
        "hospitals for a prospective validation study of chest X-ray AI",
        "site for imaging-AI evaluations, IRB, de-identified X-ray/CT archives",
    ),
    (
        "mc-tech-001",
        "dj-tech-002",
        "fabrication of superconducting chips and millikelvin characterisation",
        "superconducting foundry runs with Josephson junctions and dilution-refrigerator time",
    ),
    (
        "dj-tech-004",
        "se-tech-001",
        "a first institutional seed round for a legged-robot startup",
        "seed rounds for robotics and embodied-AI startups, including non-US teams",
    ),
    (
        "ma-bio-003",
        "mc-bio-008",
        "a digital-health Series A lead with US healthcare contacts",
        "leads digital-health Series A rounds with introductions to US health systems",
    ),
    (
        "do-tech-003",
        "dj-tech-010",
        "Series A for GaN power devices from an investor tied to Asian foundries",
        "semiconductor Series A with introductions to Korean foundries and packaging houses",
    ),
    (
        "dj-tech-008",
        "ca-tech-003",
        "a North American site for a cathode research centre and pilot plant",
        "soft-landing and site selection near critical-mineral processing, permits and incentives",
    ),
    (
        "se-tech-003",
        "do-tech-002",
        "a continental European city for a 150-person AI research centre",
        "soft-landing for research centres next to the technical university, hiring and permits",
    ),
    (
        "mc-bio-006",
        "ma-bio-005",
        "a southern European site for a biologics manufacturing plant",
        "serviced plots for pharma plants, fast-track permits, grants and bioprocess staff",
    ),
    (
        "ca-bio-004",
        "dj-bio-007",
        "a landing pad in Korea: office, hospitals, distributors and approval",
        "landing programme for overseas health startups with MFDS guidance",
    ),
    (
        "do-bio-002",
        "mc-bio-007",
        "US entry for diagnostics: FDA guidance, office base, reference labs",
        "US landing programme with office and lab bench and FDA mentoring",
    ),
    (
        "se-tech-002",
        "dj-tech-003",
        "thermal-vacuum cycling and vibration qualification of a thruster",
        "thermal vacuum chambers, shakers and an electric propulsion test facility",
    ),
    (
        "dj-bio-002",
        "do-bio-001",
        "a high-titre CHO production clone and fed-batch process for a bispecific",
        "stable CHO cell line development and upstream process development",
    ),
    (
        "mc-bio-002",
        "dj-bio-003",
        "GMP RNA synthesis and LNP encapsulation for phase I, lipid screening",
        "mRNA IVT manufacturing, LNP encapsulation and ionisable-lipid screening",
    ),
    (
        "mc-bio-003",
        "dj-bio-004",
        "pre-treatment plasma of lung cancer patients from Asian populations",
        "biobank of 9,000 lung cancer patients with matched plasma and follow-up",
    ),
    (
        "dj-bio-005",
        "mc-bio-004",
        "a US clinical study and FDA 510(k) submission for an ECG patch",
        "FDA regulatory strategy, 510(k)/De Novo dossiers and US clinical studies",
    ),
    (
        "mc-bio-005",
        "ca-bio-003",
        "process development and GMP batches of AAV with capsid analytics",
        "AAV and lentiviral process development and GMP production",
    ),
    (
        "se-bio-007",
        "ma-bio-002",
        "a European hospital with Spanish-speaking COPD patients for a pilot",
        "pilot sites for telemonitoring in chronic lung disease after discharge",
    ),
    (
        "do-tech-004",
        "se-tech-004",
        "vision that lets robot arms grasp unknown items from crowded totes",
        "6D pose estimation and grasp points for cluttered bins",
    ),
    (
        "ca-tech-004",
        "dj-tech-007",
        "low- or no-iridium anode catalysts and coated membranes",
        "iridium-free oxygen-evolution catalysts and catalyst-coated membranes",
    ),
    (
        "ma-tech-001",
        "do-tech-005",
        "prototype photonic chips on a shared wafer run, plus packaging",
        "silicon photonics multi-project wafer runs and photonic packaging",
    ),
    (
        "ma-bio-004",
        "ca-bio-001",
        "GLP safety studies with toxicokinetics before a clinical trial",
        "GLP toxicology, safety pharmacology and bioanalysis before first-in-human",
    ),
    (
        "do-tech-006",
        "se-tech-007",
        "hot-fire tests of coated combustion-chamber liners",
        "hot-fire campaigns exposing materials and coatings to combustion loads",
    ),
    (
        "ca-tech-005",
        "dj-tech-006",
        "GPS-free localisation with lidar and inertial sensors, licensable",
        "licensable LiDAR-inertial SLAM stack for ROS 2",
    ),
    (
        "se-tech-005",
        "dj-tech-005",
        "an embedded AI processor within two watts for drones",
        "low-power NPU with evaluation kits, compiler and porting support",
    ),
    (
        "se-tech-006",
        "mc-tech-002",
        "hands-on time on trapped-ion hardware and benchmark co-publication",
        "cloud and dedicated access to trapped-ion quantum computers, joint benchmarking",
    ),
    (
        "ca-tech-006",
        "dj-tech-009",
        "a proven small-satellite platform, payload integration and launch",
        "flight-proven CubeSat buses, payload integration and rideshare launch brokering",
    ),
    (
        "ca-tech-007",
        "do-tech-008",
        "a climate Series A of about USD 20 million, European heat contacts",
        "climate-tech Series A/B including geothermal, with European utility partners",
    ),
    (
        "dj-bio-011",
        "do-bio-010",
        "a partner for reimbursement of a digital therapeutic in Germany",
        "BfArM fast-track applications and German distribution for digital therapeutics",
    ),
    (
        "do-tech-011",
        "dj-tech-011",
        "a Korean science-park site for an Asian research centre",
        "science-park land and labs for foreign research centres, one-stop investor service",
    ),
    (
        "mc-tech-004",
        "ma-tech-008",
        "a landing service in Spain for a first European office",
        "landing service in Málaga: offices, company set-up, visas and hiring",
    ),
)
"""Cross-city pairs where the seeker's ``seeks`` is met by the provider's ``offers``; never existing partners."""

ACCEPTABLE_ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "dj-bio-001": ("ca-bio-002",),  # a near-duplicate ADC CDMO in Calgary offers the same
}
"""Other providers that meet a seeker's need just as well (near-duplicate competitors of the planted one)."""

DECOYS: dict[str, str] = {
    "se-bio-001": "ADC startup that also *seeks* GMP conjugation and fill-finish (same words, wrong direction)",
    "ca-tech-002": "battery startup that also *seeks* pouch-cell prototyping and cycle testing",
    "do-tech-012": "qubit startup that also *seeks* Josephson-junction foundry access and fridge time",
    "mc-bio-020": "ADC startup seeking payload-linker synthesis, not manufacturing",
}
"""Profiles that share a planted pair's vocabulary but need rather than offer."""

SEARCH_QUERIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("GMP manufacturing of antibody-drug conjugates", ("ma-bio-001", "ca-bio-002")),
    ("independent battery cell testing: cycle life and abuse tests", ("do-tech-001",)),
    ("fabrication of superconducting qubit chips and dilution refrigerator measurements", ("dj-tech-002",)),
    ("seed funding for robotics startups", ("se-tech-001",)),
    ("help for foreign health startups entering the Korean market", ("dj-bio-007",)),
    ("thermal vacuum and vibration testing of satellite hardware", ("dj-tech-003",)),
    ("mRNA and lipid nanoparticle contract manufacturing", ("dj-bio-003",)),
    ("lung cancer plasma samples from a hospital biobank", ("dj-bio-004",)),
    ("localisation software for robots without GPS", ("dj-tech-006",)),
    ("silicon photonics prototyping on shared wafer runs", ("do-tech-005",)),
    ("FDA 510(k) submission support for a medical device", ("mc-bio-004",)),
    ("cloud access to trapped-ion quantum computers", ("mc-tech-002",)),
    ("AAV gene therapy vector manufacturing", ("ca-bio-003",)),
    ("CHO cell line development", ("do-bio-001",)),
    ("reimbursement of digital therapeutics in Germany", ("do-bio-010",)),
    ("IND-enabling GLP toxicology studies", ("ca-bio-001",)),
)
"""Free-text queries and the organisations that must appear among the top 5 results."""

PLANTED_LEADS: tuple[tuple[str, str, str, tuple[str, ...], str], ...] = (
    # (lead, alliance city, gap sector it fills, local beneficiaries, why)
    (
        "gl-bio-001",
        "Daejeon",
        "antibody_drug_conjugates",
        ("dj-bio-001", "dj-bio-002", "dj-bio-003", "dj-bio-015"),
        "CDMO group planning a Korean bioprocessing centre: ADC conjugation and fill for dj-bio-001, a CHO clone "
        "and fed-batch process for dj-bio-002, release testing for dj-bio-003's mRNA-LNP lots; buys payload-linkers "
        "from dj-bio-015",
    ),
    (
        "gl-bio-002",
        "Daejeon",
        "antibody_drug_conjugates",
        ("dj-bio-010", "dj-bio-004", "dj-bio-015", "dj-bio-002"),
        "ADC pharma out-licensing Korean rights that dj-bio-010 wants to in-license (and needing the development "
        "and sales it offers), oncology trials and co-investigators for dj-bio-004's lung cancer cohorts, orders "
        "for a second payload-linker source (dj-bio-015), and a need for dj-bio-002's gastric cancer organoids",
    ),
    (
        "gl-bio-014",
        "Seattle",
        "bioprocessing_cdmo",
        ("se-bio-013", "se-bio-005", "se-bio-012", "se-bio-015"),
        "CRDMO: medicinal chemistry and first GMP batches for se-bio-013, cell therapy production for se-bio-005, "
        "low-cost test manufacturing for se-bio-012 (whose field-trial networks it wants); licenses se-bio-015's "
        "nanoparticle scaffolds",
    ),
    (
        "gl-bio-005",
        "Seattle",
        "bioprocessing_cdmo",
        ("se-bio-005", "se-bio-004", "se-bio-018"),
        "cell therapy CDMO: GMP capacity for se-bio-005's engineered cell products (whose trial know-how it wants); "
        "buys plasmid DNA from se-bio-004 and licenses perfusion know-how from se-bio-018",
    ),
    (
        "gl-tech-003",
        "Calgary",
        "semiconductors",
        ("ca-tech-012", "ca-tech-013", "ca-tech-010"),
        "MEMS gas sensors for ca-tech-012's drone payloads, low-nitrogen CVD diamond for ca-tech-013, emissions "
        "monitors for ca-tech-010, whose field sites and ca-tech-012's long-range flights it needs",
    ),
    (
        "gl-tech-001",
        "Calgary",
        "semiconductors",
        ("ca-tech-017", "ca-tech-003", "ca-tech-010", "ca-tech-019"),
        "SiC power modules and inverter designs for ca-tech-017's community solar and storage; wants a North "
        "American plant site (ca-tech-003's soft landing), ca-tech-010's oil and gas sites to pilot SiC drives, "
        "and drilling-equipment makers such as ca-tech-019 as customers",
    ),
    (
        "gl-tech-010",
        "Calgary",
        "semiconductors",
        ("ca-tech-012", "ca-tech-013", "ca-tech-015"),
        "MEMS and readout-chip prototyping for ca-tech-012's gas sensors and ca-tech-013's magnetometers; seeks a "
        "university partner for sensors in energy and mining (ca-tech-015) and field users for its prototypes",
    ),
    (
        "gl-bio-003",
        "Dortmund",
        "antibody_drug_conjugates",
        ("do-bio-017", "do-bio-003", "do-bio-018", "do-bio-007"),
        "pharma with an ADC pipeline: the pilot customer do-bio-017 wants for its liver chips, licences for "
        "do-bio-003's lead series, late-phase filling of conjugates for do-bio-018 and 2,000-litre antibody batches "
        "from do-bio-007",
    ),
    (
        "gl-bio-015",
        "Dortmund",
        "antibody_drug_conjugates",
        ("do-bio-001", "do-bio-007", "do-bio-018", "do-bio-015", "do-bio-008"),
        "ADC developer opening a German subsidiary: a cell line from do-bio-001 (which wants ADC partners), "
        "antibody drug substance from do-bio-007, contained fill-finish from do-bio-018, trial supply "
        "logistics from do-bio-015, and a German operation for the investor do-bio-008",
    ),
    (
        "gl-bio-016",
        "Málaga",
        "antibody_drug_conjugates",
        ("ma-bio-001", "ma-bio-007", "ma-bio-006"),
        "ADC developer needing a European contract manufacturer (ma-bio-001, which seeks ADC clients), a phase I site "
        "with a biobank (ma-bio-007, which seeks ADC trials) and nanoparticle formulation (ma-bio-006)",
    ),
    (
        "gl-tech-014",
        "Montgomery County",
        "robotics",
        ("mc-bio-013", "mc-bio-016", "mc-bio-012"),
        "lab robots: liquid handling for mc-bio-013's serology lab, isolator robots for mc-bio-016's BSL-3 suites "
        "(whose testing it needs to validate them), automated cell processing for mc-bio-012",
    ),
    (
        "gl-bio-006",
        "Montgomery County",
        "bioprocessing_cdmo",
        ("mc-bio-011", "mc-bio-016", "mc-tech-016", "mc-bio-017", "mc-tech-008"),
        "pharma with a CDMO arm: Asian co-development and GMP antibody batches for mc-bio-011, surge capacity for "
        "mc-bio-016, medicinal chemistry for mc-tech-016 (whose AI design it wants), rare disease licences for "
        "mc-bio-017, literature mining from mc-tech-008",
    ),
)
"""Organisations outside a city whose offers meet several local needs (and the reverse) and fill a gap of its
cluster (a sector its organisations seek much more than they offer); never partners of their beneficiaries."""

LEAD_TYPES = frozenset({"multinational", "large_company", "company", "research_institute", "investor"})
"""The organisation types a city's leads are drawn from by default (``matcher.attract.LEAD_TYPES``)."""

LEAD_DECOYS: dict[str, tuple[tuple[str, ...], str]] = {
    "gl-bio-007": (("Daejeon",), "plasma fractionation: bioprocessing, but no Daejeon organisation needs it"),
    "gl-tech-007": (("Calgary",), "display driver chips for televisions: semiconductors, but nothing Calgary needs"),
    "gl-tech-008": (("Calgary", "Málaga"), "nuclear fuel: energy, but no local organisation runs a reactor"),
    "gl-bio-008": (("Dortmund",), "generic dermatology creams: therapeutics, but no Dortmund need"),
    "gl-bio-009": (("Dortmund",), "hearing aids: medical devices, but no Dortmund need"),
    "gl-tech-009": (("Montgomery County",), "airliner cabin interiors: aerospace, but no local need"),
}
"""Outside organisations of a lead type and a city's sectors whose offers meet no local need: not leads there."""

OUTSIDE_LINKS: tuple[tuple[str, str, str, int, str], ...] = (
    # (source, target, kind, year, note): the outside organisations' known partnerships, roles as in the card
    ("se-bio-011", "gl-bio-001", "co_research", 2019, "Joint project on chemically defined media"),
    ("gl-bio-001", "mc-bio-006", "supply", 2016, "Supply agreement: single-use bioreactors"),
    ("gl-bio-001", "do-bio-007", "supply", 2018, "Supply agreement: chemically defined media"),
    ("mc-bio-014", "gl-bio-002", "co_research", 2020, "Joint project on antibody-drug conjugates"),
    ("mc-bio-009", "gl-bio-002", "licensing", 2017, "Licence: rare diseases"),
    ("gl-bio-014", "do-bio-013", "other", 2019, "Corporate partner of the programme"),
    ("gl-bio-014", "do-bio-014", "supply", 2021, "Supply agreement: medicinal chemistry"),
    ("ma-bio-002", "gl-bio-005", "co_research", 2018, "Joint project on cell therapy manufacturing"),
    ("gl-bio-005", "ma-bio-018", "supply", 2021, "Supply agreement: closed automated cell processing"),
    ("se-tech-015", "gl-tech-003", "co_research", 2019, "Joint project on methane sensing"),
    ("mc-tech-003", "gl-tech-003", "co_research", 2017, "Joint project on CVD diamond"),
    ("do-tech-007", "gl-tech-001", "co_research", 2017, "Joint project on silicon carbide MOSFETs"),
    ("gl-tech-001", "dj-tech-016", "supply", 2015, "Supply agreement: silicon carbide MOSFETs"),
    ("dj-tech-011", "gl-tech-001", "visit", 2021, "Delegation visit to Munich"),
    ("dj-tech-001", "gl-tech-010", "co_research", 2018, "Joint project on fan-out wafer-level packaging"),
    ("do-tech-005", "gl-tech-010", "co_research", 2019, "Joint project on MEMS"),
    ("ma-tech-007", "gl-tech-010", "co_research", 2020, "Joint project on MEMS"),
    ("mc-bio-009", "gl-bio-003", "licensing", 2018, "Licence: vaccine research"),
    ("ma-bio-007", "gl-bio-003", "co_research", 2019, "Joint project on predictive toxicology"),
    ("se-bio-011", "gl-bio-003", "co_research", 2016, "Joint project on monoclonal antibodies"),
    ("gl-bio-010", "gl-bio-015", "investment", 2014, "Series B round"),
    ("gl-bio-015", "gl-bio-013", "customer", 2019, "Customer for mass spectrometry"),
    ("gl-bio-015", "se-bio-014", "other", 2022, "Corporate partner of the programme"),
    ("dj-bio-015", "gl-bio-016", "supply", 2020, "Supply agreement: payload-linkers"),
    ("se-bio-005", "gl-bio-016", "co_research", 2019, "Joint project on translational oncology"),
    ("gl-tech-014", "dj-tech-018", "supply", 2015, "Supply agreement: robot controllers"),
    ("do-tech-010", "gl-tech-014", "co_research", 2018, "Joint project on laboratory robots"),
    ("gl-tech-014", "se-tech-010", "other", 2020, "Corporate partner of the programme"),
    ("gl-bio-006", "dj-bio-010", "licensing", 2020, "Licence: monoclonal antibodies"),
    ("dj-bio-006", "gl-bio-006", "licensing", 2019, "Licence: antibody discovery"),
    ("ca-bio-006", "gl-bio-006", "co_research", 2021, "Joint project on rare diseases"),
    ("se-tech-008", "gl-tech-002", "co_research", 2018, "Joint project on ceramic matrix composites"),
    ("ca-tech-015", "gl-tech-004", "co_research", 2020, "Joint project on deep geothermal doublets"),
    ("do-tech-015", "gl-tech-004", "visit", 2022, "Delegation visit to Munich"),
    ("ma-bio-002", "gl-bio-004", "co_research", 2017, "Joint project on cardiac rhythm devices"),
    ("mc-bio-014", "gl-bio-004", "co_research", 2016, "Joint project on surgical robotics"),
    ("gl-tech-005", "mc-tech-010", "supply", 2021, "Supply agreement: LFP cells"),
    ("gl-tech-005", "se-tech-011", "customer", 2020, "Customer for degradation models"),
    ("dj-tech-003", "gl-tech-006", "co_research", 2019, "Joint project on thermal infrared imaging"),
    ("gl-bio-010", "se-bio-013", "investment", 2021, "Seed round"),
    ("gl-bio-010", "mc-bio-005", "investment", 2021, "Series A round"),
    ("gl-bio-011", "dj-bio-008", "investment", 2020, "Growth round"),
    ("gl-bio-011", "ca-bio-011", "investment", 2021, "Growth round"),
    ("mc-bio-009", "gl-bio-012", "co_research", 2015, "Joint project on adjuvants"),
    ("dj-bio-003", "gl-bio-012", "supply", 2021, "Supply agreement: mRNA IVT manufacturing"),
    ("do-bio-009", "gl-bio-013", "co_research", 2018, "Joint project on mass spectrometry"),
    ("gl-tech-011", "dj-tech-005", "supply", 2021, "Supply agreement: multi-project wafers"),
    ("se-tech-016", "gl-tech-011", "supply", 2016, "Supply agreement: test services"),
    ("gl-tech-010", "gl-tech-011", "co_research", 2017, "Joint project on fan-out wafer-level packaging"),
    ("do-tech-005", "gl-tech-012", "co_research", 2016, "Joint project on precision optics"),
    ("ca-tech-008", "gl-tech-013", "co_research", 2019, "Joint project on reinforcement learning"),
    ("se-tech-008", "gl-tech-013", "co_research", 2020, "Joint project on deep learning"),
    ("gl-tech-015", "se-tech-006", "investment", 2022, "Seed round"),
    ("gl-tech-015", "mc-tech-001", "investment", 2023, "Seed round"),
    ("gl-tech-016", "dj-tech-014", "supply", 2021, "Supply agreement: OLED emitter materials"),
    ("dj-tech-003", "gl-tech-017", "co_research", 2016, "Joint project on synthetic aperture radar"),
    ("gl-tech-017", "ca-tech-018", "co_research", 2019, "Joint project on ground segment"),
    ("gl-tech-018", "dj-tech-008", "supply", 2019, "Supply agreement: nickel sulphate"),
)
"""The partnerships of the organisations outside the alliance, written by hand (the generator draws only among
the alliance's organisations, so adding outside organisations leaves the generated history as it was)."""

# How many partnerships each kind of organisation tends to have: hubs (universities, accelerators) many.
DEGREE_RANGE: dict[str, tuple[int, int]] = {
    "university": (12, 20),
    "accelerator": (7, 11),
    "research_institute": (4, 8),
    "hospital": (4, 7),
    "investor": (3, 6),
    "public_body": (3, 6),
    "multinational": (3, 6),
    "large_company": (3, 5),
    "company": (2, 4),
    "sme": (2, 4),
    "startup": (1, 3),
    "other": (1, 3),
}
FIRMS = frozenset({"startup", "sme", "company", "large_company", "multinational"})
RESEARCH = frozenset({"university", "research_institute"})
GENERALISTS = frozenset({"public_body", "accelerator", "other", "investor"})
DRUG_SECTORS = frozenset({"therapeutics", "biologics", "antibody_drug_conjugates"})
CLINICAL_SECTORS = frozenset({"medical_devices", "diagnostics", "digital_health", "therapeutics"})
STAGE_ROUND = {
    "pre_seed": "Pre-seed",
    "seed": "Seed",
    "series_a": "Series A",
    "series_b": "Series B",
    "growth": "Growth",
    "established": "Minority",
}


@dataclass(frozen=True)
class Org:
    """The fields of a profile that the partnership generator and the checks use."""

    id: str
    name: str
    org_type: str
    city: str
    sectors: frozenset[str]
    technologies: tuple[str, ...]
    founded: int | None
    stage: str

    @property
    def domain(self) -> str:
        """'bio' or 'tech', from the id."""
        return self.id.split("-")[1]


def read_csv(path: Path) -> list[dict[str, str]]:
    """Reads a CSV file into a list of row dicts with string values."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def to_orgs(rows: Iterable[dict[str, str]]) -> list[Org]:
    """Turns profile rows into :class:`Org` records."""
    return [
        Org(
            id=row["id"],
            name=row["name"],
            org_type=row["org_type"],
            city=row["city"],
            sectors=frozenset(split_sectors(row["sectors"])[0]),
            technologies=split_list(row["technologies"]),
            founded=int(row["founded"]) if row["founded"] else None,
            stage=row["stage"],
        )
        for row in rows
    ]


def pair_key(a: str, b: str) -> tuple[str, str]:
    """An unordered pair as a sorted tuple."""
    return (a, b) if a <= b else (b, a)


def affinity(u: Org, v: Org) -> float:
    """How likely two organisations are to have worked together; 0 for implausible pairs."""
    if u.org_type in ("investor", "public_body", "other") and v.org_type in ("investor", "public_body", "other"):
        kind_factor = 1.5 if u.org_type == v.org_type == "public_body" else 0.2
    elif "investor" in (u.org_type, v.org_type):
        other = v if u.org_type == "investor" else u
        kind_factor = {"startup": 4.0, "sme": 1.5, "accelerator": 1.0}.get(other.org_type, 0.0)
    elif "accelerator" in (u.org_type, v.org_type):
        other = v if u.org_type == "accelerator" else u
        kind_factor = 3.0 if other.org_type == "startup" else 1.0
    elif u.org_type in RESEARCH or v.org_type in RESEARCH:
        kind_factor = 1.5
    elif "hospital" in (u.org_type, v.org_type):
        other = v if u.org_type == "hospital" else u
        kind_factor = 2.0 if other.sectors & CLINICAL_SECTORS else 0.0
    elif "bioprocessing_cdmo" in u.sectors ^ v.sectors:
        client = v if "bioprocessing_cdmo" in u.sectors else u
        kind_factor = 2.0 if client.sectors & DRUG_SECTORS else 0.0  # a manufacturer and its clients
    elif u.org_type == v.org_type == "startup":
        kind_factor = 0.3
    else:
        kind_factor = 1.0
    shared = u.sectors & v.sectors
    if shared:
        sector_factor = 3.0 + len(shared)
    elif u.domain == v.domain:
        sector_factor = 1.0
    elif "investor" in (u.org_type, v.org_type):
        sector_factor = 0.0  # funds stick to their sectors
    elif u.org_type in GENERALISTS or v.org_type in GENERALISTS:
        sector_factor = 0.3
    else:
        sector_factor = 0.0
    city_factor = 10.0 if u.city == v.city else 1.0
    return kind_factor * sector_factor * city_factor


def choose_kind(u: Org, v: Org, rng: random.Random) -> tuple[Org, Org, str]:
    """Picks the kind of a partnership and orders it as (source, target)."""
    types = {u.org_type, v.org_type}
    if "investor" in types and types != {"investor"}:
        investor, other = (u, v) if u.org_type == "investor" else (v, u)
        return investor, other, "investment" if other.org_type in FIRMS else "mou"
    if types == {"investor"}:
        return u, v, "other"
    if "accelerator" in types:
        accelerator, other = (u, v) if u.org_type == "accelerator" else (v, u)
        return other, accelerator, "other" if other.org_type in FIRMS else "mou"
    if "public_body" in types:
        return u, v, rng.choice(("mou", "mou", "visit"))
    if "other" in types:
        return u, v, rng.choice(("visit", "other"))
    if types & RESEARCH:
        research, other = (u, v) if u.org_type in RESEARCH else (v, u)
        if other.org_type == "startup" and rng.random() < 0.35:
            return research, other, "licensing"
        return research, other, rng.choice(("co_research", "co_research", "co_research", "visit"))
    if "hospital" in types:
        hospital, other = (u, v) if u.org_type == "hospital" else (v, u)
        return hospital, other, rng.choice(("co_research", "co_research", "customer"))
    if "bioprocessing_cdmo" in u.sectors ^ v.sectors:
        maker, client = (u, v) if "bioprocessing_cdmo" in u.sectors else (v, u)
        return maker, client, "supply"
    big = {"large_company", "multinational"}
    options = ["supply", "customer", "licensing", "co_research"]
    if u.org_type in big and v.org_type in big | {"company"}:
        options.append("joint_venture")
    return u, v, rng.choice(options)


def describe(source: Org, target: Org, kind: str, year: int, rng: random.Random) -> str:
    """A short note for a partnership, naming what it was about."""
    shared = sorted(source.sectors & target.sectors) or sorted(target.sectors | source.sectors)
    topic = SECTOR_LABELS[rng.choice(shared)].lower()
    if kind == "investment":
        return f"{STAGE_ROUND.get(target.stage, 'Venture')} round"
    if kind == "licensing":
        return f"Licence: {rng.choice(source.technologies) if source.technologies else topic}"
    if kind == "co_research":
        # A project with a firm is about the firm's technology; between research bodies, about a shared field.
        firm = next((org for org in (target, source) if org.org_type in FIRMS and org.technologies), None)
        return f"Joint project on {rng.choice(firm.technologies) if firm else topic}"
    if kind == "supply":
        return f"Supply agreement: {rng.choice(source.technologies) if source.technologies else topic}"
    if kind == "customer":
        return f"Customer for {rng.choice(target.technologies) if target.technologies else topic}"
    if kind == "mou":
        return f"Memorandum of understanding on {topic} cooperation"
    if kind == "visit":
        return f"Delegation visit to {target.city}" if source.city != target.city else "Site visit"
    if kind == "joint_venture":
        return f"Joint venture in {topic}"
    if target.org_type == "accelerator":
        return f"{year} cohort" if source.org_type == "startup" else "Corporate partner of the programme"
    return "Co-investors" if source.org_type == target.org_type == "investor" else "Partnering event"


def draw_year(u: Org, v: Org, rng: random.Random) -> int:
    """A start year after both organisations were founded, weighted towards the years before the split."""
    first = min(max(FIRST_YEAR, u.founded or FIRST_YEAR, v.founded or FIRST_YEAR), LAST_YEAR)
    years = list(range(first, LAST_YEAR + 1))
    weights = [1.0 if year <= SPLIT_YEAR else 0.08 for year in years]
    return rng.choices(years, weights)[0]


def degree_range(org: Org) -> tuple[int, int]:
    """How many partners an organisation gets: by type, and at most two for those founded after the split."""
    low, high = DEGREE_RANGE[org.org_type]
    if org.founded and org.founded > SPLIT_YEAR:
        return 1, min(high, 2)
    return low, high


def generate_partnerships(orgs: Sequence[Org], seed: int = SEED) -> list[dict[str, str]]:
    """Generates the partnership history: degree targets by organisation type, partners drawn by affinity.

    Planted pairs are never linked. The result is sorted by year, then ids, so reruns give the same file.
    """
    rng = random.Random(seed)
    planted = {pair_key(a, b) for a, b, _, _ in PLANTED_PAIRS}
    remaining = {org.id: rng.randint(*degree_range(org)) for org in orgs}
    linked: set[tuple[str, str]] = set()
    rows: list[dict[str, str]] = []
    order = list(orgs)
    rng.shuffle(order)
    for u in order:
        while remaining[u.id] > 0:
            candidates = [
                v
                for v in orgs
                if v.id != u.id
                and remaining[v.id] > 0
                and pair_key(u.id, v.id) not in linked
                and pair_key(u.id, v.id) not in planted
            ]
            weights = [affinity(u, v) * remaining[v.id] for v in candidates]
            if not candidates or sum(weights) == 0:
                break
            v = rng.choices(candidates, weights)[0]
            linked.add(pair_key(u.id, v.id))
            remaining[u.id] -= 1
            remaining[v.id] -= 1
            source, target, kind = choose_kind(u, v, rng)
            year = draw_year(source, target, rng)
            note = describe(source, target, kind, year, rng)
            rows.append({"source_id": source.id, "target_id": target.id, "kind": kind, "year": str(year), "note": note})
    rows.sort(key=lambda row: (row["year"], row["source_id"], row["target_id"]))
    return rows


def outside_links() -> list[dict[str, str]]:
    """The partnership rows of :data:`OUTSIDE_LINKS`."""
    return [
        {"source_id": source, "target_id": target, "kind": kind, "year": str(year), "note": note}
        for source, target, kind, year, note in OUTSIDE_LINKS
    ]


def all_partnerships(profiles: Sequence[dict[str, str]]) -> list[dict[str, str]]:
    """The whole partnership table: generated among the alliance's organisations, plus :data:`OUTSIDE_LINKS`."""
    alliance = [row for row in profiles if row["city"] in ALLIANCE_CITIES]
    rows = generate_partnerships(to_orgs(alliance)) + outside_links()
    rows.sort(key=lambda row: (row["year"], row["source_id"], row["target_id"]))
    return rows


def planted_lead_rows() -> list[dict[str, str]]:
    """The rows of ``tests/data/planted_leads.csv``: one per planted lead."""
    return [
        {"lead_id": lead, "city": city, "gap": gap, "beneficiaries": ";".join(beneficiaries), "why": why}
        for lead, city, gap, beneficiaries, why in PLANTED_LEADS
    ]


def check_place(row: dict[str, str]) -> list[str]:
    """Problems with a profile's id, city and country: an alliance code and its place, or ``gl`` and a listed
    outside city with its country."""
    pid = row["id"]
    match = ID_PATTERN.match(pid)
    if not match:
        return [f"{pid}: id does not look like dj-bio-001 or gl-tech-001"]
    if match.group(1) == OUTSIDE_CODE:
        if OUTSIDE_PLACES.get(row["city"]) != row["country"]:
            return [f"{pid}: city/country {row['city']}/{row['country']} is not a listed outside place"]
        return []
    problems = []
    if CITY_CODES[match.group(1)] != row["city"]:
        problems.append(f"{pid}: city {row['city']!r} does not match the id")
    if row["city"] not in ALLIANCE_CITIES or ALLIANCE_CITIES[row["city"]][0] != row["country"]:
        problems.append(f"{pid}: city/country {row['city']}/{row['country']} is not an alliance place")
    return problems


def check_leads(profiles: Sequence[dict[str, str]], pairs: set[tuple[str, str]]) -> list[str]:
    """Problems with the planted leads and their decoys (``pairs``: the partnerships as unordered pairs)."""
    by_id = {row["id"]: row for row in profiles}
    problems: list[str] = []
    for lead, city, gap, beneficiaries, _ in PLANTED_LEADS:
        if lead not in by_id:
            problems.append(f"planted lead {lead}: unknown id")
            continue
        where = f"planted lead {lead} for {city}"
        if city not in ALLIANCE_CITIES or by_id[lead]["city"] == city:
            problems.append(f"{where}: the city must be an alliance city other than the lead's own")
        if by_id[lead]["org_type"] not in LEAD_TYPES:
            problems.append(f"{where}: a {by_id[lead]['org_type']} is not of a lead type")
        if gap not in SECTORS:
            problems.append(f"{where}: gap {gap!r} is not a sector")
        if len(set(beneficiaries)) < 3:
            problems.append(f"{where}: needs at least 3 distinct beneficiaries")
        for local in beneficiaries:
            if by_id.get(local, {}).get("city") != city:
                problems.append(f"{where}: beneficiary {local} is not an organisation of {city}")
            elif pair_key(lead, local) in pairs:
                problems.append(f"{where}: already a partner of its beneficiary {local}")
    problems += [
        f"no planted lead for {city}" for city in ALLIANCE_CITIES if all(c != city for _, c, *_ in PLANTED_LEADS)
    ]
    for decoy, (cities, _) in LEAD_DECOYS.items():
        if decoy not in by_id or by_id[decoy]["city"] in cities or by_id[decoy]["org_type"] not in LEAD_TYPES:
            problems.append(f"lead decoy {decoy}: unknown, in its own city, or not of a lead type")
    return problems


def check(profiles: Sequence[dict[str, str]], partnerships: Sequence[dict[str, str]]) -> list[str]:
    """Returns every problem found in the two tables (empty when the data set is consistent)."""
    problems: list[str] = []
    ids = [row["id"] for row in profiles]
    for value, count in Counter(ids).items():
        if count > 1:
            problems.append(f"duplicate id {value}")
    known = set(ids)
    seen_sentences: dict[str, str] = {}
    for row in profiles:
        pid = row["id"]
        problems += check_place(row)
        if row["org_type"] not in ORG_TYPES:
            problems.append(f"{pid}: org_type {row['org_type']!r} is not canonical")
        items = split_list(row["sectors"])
        if not 1 <= sum(item in SECTORS for item in items) <= 3:
            problems.append(f"{pid}: sectors {row['sectors']!r} need 1-3 taxonomy values")
        aliases = [item for item in items if item not in SECTORS and split_sectors(item)[0]]
        if aliases:
            problems.append(f"{pid}: sectors {aliases} are aliases; write the canonical value")
        if free := [item for item in items if not split_sectors(item)[0]]:
            problems.append(f"{pid}: {free} are not in the sector taxonomy; write them in the tags column")
        if row["stage"] and row["stage"] not in STAGES:
            problems.append(f"{pid}: stage {row['stage']!r} is not canonical")
        if row["stage"] and row["org_type"] not in FIRMS:
            problems.append(f"{pid}: stage given for a {row['org_type']}")
        if row["org_type"] in FIRMS and not row["stage"]:
            problems.append(f"{pid}: firm without a stage")
        for column in ("employees", "founded"):
            if row[column] and not row[column].isdigit():
                problems.append(f"{pid}: {column} {row[column]!r} is not a whole number")
        if row["founded"] and not 1800 <= int(row["founded"]) <= LAST_YEAR:
            problems.append(f"{pid}: founded {row['founded']} out of range")
        if not row["description"] or not row["name"]:
            problems.append(f"{pid}: name and description are required in the demo set")
        for column in ("description", "offers", "seeks"):
            for sentence in re.split(r"(?<=[.!?])\s+", row[column]):
                if len(sentence) > 40:
                    other = seen_sentences.setdefault(sentence, pid)
                    if other != pid:
                        problems.append(f"{pid}: sentence reused from {other}: {sentence[:50]}")
    pairs: set[tuple[str, str]] = set()
    founded = {row["id"]: int(row["founded"]) for row in profiles if row["founded"].isdigit()}
    for number, row in enumerate(partnerships, start=2):
        where = f"partnerships.csv line {number}"
        for column in ("source_id", "target_id"):
            if row[column] not in known:
                problems.append(f"{where}: unknown {column} {row[column]}")
        if row["source_id"] == row["target_id"]:
            problems.append(f"{where}: self-link")
        if row["kind"] not in PARTNERSHIP_KINDS:
            problems.append(f"{where}: kind {row['kind']!r} is not canonical")
        if not row["year"].isdigit() or not FIRST_YEAR <= int(row["year"]) <= LAST_YEAR:
            problems.append(f"{where}: year {row['year']!r} outside {FIRST_YEAR}-{LAST_YEAR}")
        elif int(row["year"]) < max(founded.get(row["source_id"], 0), founded.get(row["target_id"], 0)):
            problems.append(f"{where}: year {row['year']} before one side was founded")
        key = pair_key(row["source_id"], row["target_id"])
        if key in pairs:
            problems.append(f"{where}: duplicate partnership {key}")
        pairs.add(key)
    city = {row["id"]: row["city"] for row in profiles}
    for seeker, provider, _, _ in PLANTED_PAIRS:
        if seeker not in known or provider not in known:
            problems.append(f"planted pair {seeker}->{provider}: unknown id")
            continue
        if city[seeker] == city[provider]:
            problems.append(f"planted pair {seeker}->{provider}: same city")
        if pair_key(seeker, provider) in pairs:
            problems.append(f"planted pair {seeker}->{provider} is already a partnership")
    problems += check_leads(profiles, pairs)
    if not PLANTED_LEADS_CSV.exists() or read_csv(PLANTED_LEADS_CSV) != planted_lead_rows():
        problems.append(f"{PLANTED_LEADS_CSV.name} differs from PLANTED_LEADS: rerun make_demo.py")
    referenced = [pid for _, expected in SEARCH_QUERIES for pid in expected]
    referenced += list(DECOYS) + [pid for alts in ACCEPTABLE_ALTERNATIVES.values() for pid in alts]
    problems += [f"unknown id {pid} in the planted facts" for pid in referenced if pid not in known]
    missing_types = set(ORG_TYPES) - {row["org_type"] for row in profiles}
    if missing_types:
        problems.append(f"organisation types missing: {sorted(missing_types)}")
    # The demo is what a new user imports first: it must import without a single warning.
    report = validate_profiles(pd.DataFrame(profiles, dtype=object).replace("", None))
    problems += [f"row {w.row} ({w.id}): import warning: {w.reason}" for w in report.warnings]
    problems += [f"row {r.row} ({r.id}): rejected on import: {r.reason}" for r in report.rejected]
    return problems


def markdown_counts(profiles: Sequence[dict[str, str]], partnerships: Sequence[dict[str, str]]) -> str:
    """The counts section of the data card."""
    elsewhere = "elsewhere"
    cities = [*ALLIANCE_CITIES, elsewhere]
    types = [t for t in ORG_TYPES if any(row["org_type"] == t for row in profiles)]
    by = Counter((row["org_type"], row["city"] if row["city"] in ALLIANCE_CITIES else elsewhere) for row in profiles)
    lines = [
        "| org_type | " + " | ".join(cities) + " | total |",
        "|---" * (len(cities) + 2) + "|",
    ]
    for t in types:
        cells = [str(by[(t, c)]) for c in cities]
        lines.append(f"| {t} | " + " | ".join(cells) + f" | {sum(by[(t, c)] for c in cities)} |")
    totals = [str(sum(n for (_, c), n in by.items() if c == city)) for city in cities]
    lines.append("| **total** | " + " | ".join(totals) + f" | {len(profiles)} |")
    outside = Counter(row["city"] for row in profiles if row["city"] not in ALLIANCE_CITIES)
    outside_ids = {row["id"] for row in profiles if row["city"] not in ALLIANCE_CITIES}
    linked_in = sum(1 for row in partnerships if (row["source_id"] in outside_ids) != (row["target_id"] in outside_ids))
    domains = Counter(row["id"].split("-")[1] for row in profiles)
    city = {row["id"]: row["city"] for row in profiles}
    kinds = Counter(row["kind"] for row in partnerships)
    years = [int(row["year"]) for row in partnerships]
    cross = sum(1 for row in partnerships if city[row["source_id"]] != city[row["target_id"]])
    after = sum(1 for year in years if year > SPLIT_YEAR)
    degree = Counter(pid for row in partnerships for pid in (row["source_id"], row["target_id"]))
    hubs = ", ".join(f"`{pid}` ({n})" for pid, n in degree.most_common(5))
    lines += [
        "",
        f"Profiles: {len(profiles)} ({domains['bio']} bio, {domains['tech']} tech). "
        f"Partnerships: {len(partnerships)}, of which {cross} across cities; years {min(years)}-{max(years)}; "
        f"{len(partnerships) - after} up to {SPLIT_YEAR} and {after} after it. "
        f"{len(degree)} organisations have at least one partnership; the largest hubs are {hubs}.",
        "",
        "Partnership kinds: " + ", ".join(f"{k} {kinds[k]}" for k in PARTNERSHIP_KINDS if kinds[k]) + ".",
        "",
        f"Outside the alliance ({elsewhere}): {len(outside_ids)} organisations in {len(outside)} cities ("
        + ", ".join(f"{city} {n}" for city, n in sorted(outside.items()))
        + f"), with {linked_in} partnerships into the alliance.",
    ]
    return "\n".join(lines)


def markdown_planted() -> str:
    """The planted-facts section of the data card."""
    lines = [
        "### Planted complementary pairs",
        "",
        "The seeker's `seeks` is met by the provider's `offers`; the two are in different cities and are not",
        "partners in `partnerships.csv`. Most providers also get something from the seeker (a client, a licence,",
        "a portfolio company, a research partner).",
        "",
        "| # | seeker | provider | seeker needs | provider offers |",
        "|---|---|---|---|---|",
    ]
    for number, (seeker, provider, need, offer) in enumerate(PLANTED_PAIRS, start=1):
        lines.append(f"| {number} | `{seeker}` | `{provider}` | {need} | {offer} |")
    lines += ["", "Acceptable alternative providers (near-duplicate competitors of the planted one):", ""]
    for seeker, alternatives in ACCEPTABLE_ALTERNATIVES.items():
        lines.append(f"- for `{seeker}`: " + ", ".join(f"`{pid}`" for pid in alternatives))
    lines += ["", "Decoys (use the words of a planted need, but seek rather than offer):", ""]
    lines += [f"- `{pid}`: {why}" for pid, why in DECOYS.items()]
    lines += [
        "",
        "### Planted investment leads",
        "",
        "Each lead is an organisation outside the city whose offers meet the stated needs of several of the",
        "city's organisations (and whose needs several of them meet), and which fills a gap of the city's",
        "cluster: a sector its organisations seek much more than they offer (`matcher.attract.find_gaps`). A lead",
        "is never a partner of its listed beneficiaries. `tests/data/planted_leads.csv` holds the same table.",
        "",
        "| # | lead | city | gap filled | local beneficiaries | why |",
        "|---|---|---|---|---|---|",
    ]
    for number, (lead, city, gap, beneficiaries, why) in enumerate(PLANTED_LEADS, start=1):
        listed = ", ".join(f"`{pid}`" for pid in beneficiaries)
        lines.append(f"| {number} | `{lead}` | {city} | {SECTOR_LABELS[gap]} | {listed} | {why} |")
    lines += ["", "Lead decoys (a lead type and the city's sectors, but their offers meet no local need):", ""]
    lines += [f"- `{pid}` ({', '.join(cities)}): {why}" for pid, (cities, why) in LEAD_DECOYS.items()]
    lines += [
        "",
        "### Search queries",
        "",
        "Each expected id must appear among the top 5 results for the query.",
        "",
        "| # | query | expected in top 5 |",
        "|---|---|---|",
    ]
    for number, (query, expected) in enumerate(SEARCH_QUERIES, start=1):
        lines.append(f"| {number} | {query} | " + ", ".join(f"`{pid}`" for pid in expected) + " |")
    return "\n".join(lines)


def replace_section(text: str, name: str, body: str) -> str:
    """Replaces the text between ``<!-- name:start -->`` and ``<!-- name:end -->``."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in text or end not in text:
        raise ValueError(f"{README} lacks the markers {start} ... {end}")
    head, rest = text.split(start, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{start}\n{body}\n{end}{tail}"


def write_partnerships(rows: Sequence[dict[str, str]]) -> None:
    """Writes the partnership table with a header row and RFC 4180 quoting."""
    with PARTNERSHIPS_CSV.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=PARTNERSHIP_HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def write_planted_leads() -> None:
    """Writes ``tests/data/planted_leads.csv`` from :data:`PLANTED_LEADS`."""
    with PLANTED_LEADS_CSV.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["lead_id", "city", "gap", "beneficiaries", "why"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(planted_lead_rows())


def verify_with_encoders(profiles: Sequence[dict[str, str]]) -> list[str]:
    """Checks the planted facts semantically with the project's encoders (MiniLM and TF-IDF); slow (~1 min).

    A planted provider must rank in the top 5 of all other-city profiles by ``offers`` against the seeker's
    ``seeks``; a query's expected ids must rank in the top 5 on the ``offers`` texts and on the mean of the
    ``offers`` and ``profile`` embeddings.
    """
    import numpy as np

    from matcher.embed import SentenceTransformerEncoder, TfidfEncoder
    from matcher.schema import Profile

    records = [
        Profile.from_mapping(
            {
                **{column: value for column, value in row.items() if value},
                "sectors": split_sectors(row["sectors"])[0],
                "tags": split_list(row["tags"]),
                "technologies": split_list(row["technologies"]),
                "languages": split_list(row["languages"]),
            }
        )
        for row in profiles
    ]
    ids = [p.id for p in records]
    position = {pid: i for i, pid in enumerate(ids)}
    city = {p.id: p.city for p in records}
    corpus = [p.text(facet) for p in records for facet in ("profile", "offers", "seeks") if p.text(facet)]
    problems: list[str] = []
    for encoder in (SentenceTransformerEncoder(), TfidfEncoder().fit(corpus)):
        label = type(encoder).__name__
        vectors = {f: encoder.encode([p.text(f) for p in records]) for f in ("profile", "offers", "seeks")}
        ranks = []
        for seeker, provider, _, _ in PLANTED_PAIRS:
            scores = vectors["offers"] @ vectors["seeks"][position[seeker]]
            order = [ids[j] for j in np.argsort(-scores, kind="stable") if city[ids[j]] != city[seeker]]
            ranks.append(order.index(provider) + 1)
            if ranks[-1] > 5 and isinstance(encoder, SentenceTransformerEncoder):
                problems.append(f"{label}: planted provider {provider} ranks {ranks[-1]} for {seeker}")
        logger.info(
            "%s: planted providers ranked first %d, top 5 %d of %d",
            label,
            sum(r == 1 for r in ranks),
            sum(r <= 5 for r in ranks),
            len(ranks),
        )
        mixed = (vectors["offers"] + vectors["profile"]) / 2
        for query, expected in SEARCH_QUERIES:
            query_vector = encoder.encode([query])[0]
            for facet, matrix in (("offers", vectors["offers"]), ("offers+profile", mixed)):
                top = [ids[j] for j in np.argsort(-(matrix @ query_vector), kind="stable")[:5]]
                problems += [
                    f"{label}/{facet}: {pid} not in the top 5 for {query!r}" for pid in expected if pid not in top
                ]
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    """Regenerates (unless ``--check``) and checks the demo data set; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check the files, do not rewrite them")
    parser.add_argument(
        "--verify", action="store_true", help="also check the planted facts with the project's encoders (slow)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    profiles = read_csv(PROFILES_CSV)
    if list(profiles[0]) != PROFILE_HEADER:
        logger.error("profiles.csv header differs from %s", ",".join(PROFILE_HEADER))
        return 1
    if not args.check:
        write_partnerships(all_partnerships(profiles))
        write_planted_leads()
        text = README.read_text(encoding="utf-8")
        partnerships = read_csv(PARTNERSHIPS_CSV)
        text = replace_section(text, "counts", markdown_counts(profiles, partnerships))
        text = replace_section(text, "planted", markdown_planted())
        README.write_text(text, encoding="utf-8")
    partnerships = read_csv(PARTNERSHIPS_CSV)
    problems = check(profiles, partnerships)
    if args.verify:
        problems += verify_with_encoders(profiles)
    for problem in problems:
        logger.error(problem)
    logger.info(markdown_counts(profiles, partnerships))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
