"""Synthetic organisations with planted ground truth, for scale and match-quality tests.

The generator draws organisations from a latent model and writes their texts from it, so a matcher can be
scored against pairs we know to be complementary:

* A fixed :data:`CATALOGUE` of capabilities, each in one sector of :data:`matcher.vocab.SECTORS`, each with
  several phrasings for offering it and for needing it. Most are technical; bio sectors also have clinical
  ones (offered by hospitals), and every sector has funding (offered by investors), support (offered by
  public bodies and accelerators) and deal-flow capabilities (startups offer an investment, investors
  need one).
* Each organisation draws a city (the alliance places and some others), an organisation type, one or two
  related sectors, an application focus (``"oncology"``, ``"space and defence"``...), 1-3 capabilities it
  offers (in its sectors) and 1-3 it needs (in its sectors or related ones, never one it offers). Its
  ``offers``, ``seeks`` and ``description`` texts are assembled from the phrasings, sector sentences and its
  focus, so no two texts need be the same.
* Truth: the pairs that fit both ways, by definition the unordered pairs ``{A, B}`` in different cities,
  with the same focus, where ``A`` offers a capability ``B`` needs and ``B`` offers one ``A`` needs. The
  generator plants them: it pairs alliance organisations of the same focus in different cities (about
  ``planted_share`` of all organisations are candidates, and about four in five of those end up in a pair
  at n = 1,000), makes each need one of the capabilities the other offers (one it could plausibly need,
  given its type and sectors), and puts each organisation in at most one pair, so each query has one known
  answer. Both sides' texts phrase the exchange. At most 400 pairs per focus (4,800 in all, reached near
  n = 20,000), because each reserves its exchange (below).
* No other pair fits both ways, by construction: per focus, of "offer x, need y" and "offer y, need x" only
  one may be held (funding and support with a need for deal flow, the rest at random), and a planted
  exchange may be held by its pair only; needs that break this are drawn again. So the truth is exactly
  the definition, not a sample of it, and ``test_synthetic.py`` checks it by brute force. The price: an
  organisation's needs depend a little on its offers, and planted organisations hold fewer other offers.
* History (``partnerships``): complementary pairs (a need and any provider, same city allowed), pairs that
  share a sector and random pairs, with years after both were founded; never a truth pair, in either order.

``n`` must be at least 1 (``n=0`` raises :class:`ValueError`); with ``n=1`` there is one profile and no pair.

Example:
    >>> data = generate(200, seed=1)
    >>> len(data.profiles), data.profiles["id"].iloc[0]
    (200, 'syn-001')
    >>> row = data.truth.iloc[0]
    >>> caps = data.capabilities.set_index("id")
    >>> row.source_offers in caps.needs[row.target_id] and row.target_offers in caps.needs[row.source_id]
    True
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .schema import LIST_COLUMNS, PARTNERSHIP_COLUMNS, PROFILE_COLUMNS, PUBLIC_BY_DEFAULT
from .vocab import ALLIANCE_CITIES, BIO_SECTORS, ORG_TYPES, PARTNERSHIP_KINDS, SECTORS, STAGES

__all__ = [
    "CAPABILITY_COLUMNS",
    "CATALOGUE",
    "FOCI",
    "KINDS",
    "REFERENCE_YEAR",
    "TRUTH_COLUMNS",
    "Capability",
    "SyntheticData",
    "generate",
    "write",
]

logger = logging.getLogger(__name__)

REFERENCE_YEAR = 2025
"""The synthetic "now": no organisation is founded and no partnership starts after it."""

TRUTH_COLUMNS: tuple[str, ...] = ("source_id", "target_id", "source_offers", "target_offers")
CAPABILITY_COLUMNS: tuple[str, ...] = ("id", "focus", "offers", "needs")

KINDS: tuple[str, ...] = ("tech", "clinical", "funding", "support", "dealflow")
"""Capability kinds; the organisation type decides which kinds it offers and needs."""


class Capability(NamedTuple):
    """One latent capability: what an organisation can offer or need.

    Attributes:
        key: ``"<sector>/<name>"``, unique in the catalogue.
        sector: One of :data:`matcher.vocab.SECTORS`.
        kind: One of :data:`KINDS`.
        offers: Noun phrases a provider uses for it ("GMP fill-finish of injectables").
        needs: Noun phrases a seeker uses for it ("sterile fill-finish of our clinical batches").
    """

    key: str
    sector: str
    kind: str
    offers: tuple[str, ...]
    needs: tuple[str, ...]


_Spec = tuple[str, tuple[str, ...], tuple[str, ...]]

# Hand-written technical and clinical capabilities: (name, offer phrasings, need phrasings).
_TECH: dict[str, tuple[_Spec, ...]] = {
    "therapeutics": (
        ("target_discovery",
         ("target identification and validation for new drug targets",
          "genetics-driven discovery of novel therapeutic targets",
          "functional genomics screens that validate drug targets"),
         ("novel validated targets for our pipeline",
          "help identifying and validating new drug targets",
          "functional genomics screening to de-risk our targets")),
        ("medicinal_chemistry",
         ("medicinal chemistry and hit-to-lead optimisation",
          "small-molecule lead optimisation by experienced chemists",
          "structure-based drug design and synthesis of analogues"),
         ("medicinal chemistry capacity to optimise our hits",
          "a chemistry partner for lead optimisation",
          "structure-based design support for our small-molecule series")),
        ("preclinical_pharmacology",
         ("in vivo pharmacology in validated disease models",
          "preclinical efficacy studies in animal models",
          "translational pharmacology and biomarker studies"),
         ("in vivo efficacy studies for our lead compound",
          "a CRO for preclinical pharmacology",
          "animal model studies to support our IND")),
        ("glp_toxicology",
         ("GLP toxicology and safety pharmacology studies",
          "IND-enabling safety studies under GLP",
          "regulatory toxicology packages"),
         ("GLP tox studies ahead of our first-in-human trial",
          "an IND-enabling safety package",
          "regulatory toxicology for our candidate")),
        ("clinical_trial_sites",
         ("clinical trial sites with experienced investigators",
          "phase I-II trial capacity in our hospital network",
          "patient recruitment for early-phase studies"),
         ("clinical sites to run our phase I study",
          "investigators and patient recruitment for an early-phase trial",
          "hospital partners for a multicentre clinical trial")),
        ("regulatory_affairs",
         ("regulatory strategy for FDA and EMA submissions",
          "support preparing IND and CTA dossiers",
          "regulatory affairs consulting for drug developers"),
         ("regulatory guidance for our first FDA submission",
          "help writing an IND or CTA dossier",
          "a regulatory partner for EMA scientific advice")),
        ("drug_repurposing",
         ("computational drug repurposing of approved compounds",
          "a library of shelved clinical-stage assets for repurposing",
          "repositioning screens of approved drugs"),
         ("repurposing candidates for an unmet indication",
          "access to shelved clinical assets",
          "a partner to screen approved drugs in our disease model")),
        ("asset_licensing",
         ("out-licensing of clinical-stage drug candidates",
          "co-development rights to our preclinical pipeline",
          "regional licences for an approved therapy"),
         ("clinical-stage assets to in-license",
          "a co-development programme to add to our pipeline",
          "regional rights to an approved therapy")),
        ("viral_vector_design",
         ("AAV and lentiviral vector design",
          "gene therapy vector engineering",
          "capsid engineering for tissue-specific delivery"),
         ("viral vectors designed for our gene therapy programme",
          "AAV capsid engineering support",
          "a vector design partner for our cell therapy")),
        ("patient_biobank",
         ("patient biobank samples with clinical annotations",
          "biobank access with longitudinal patient data",
          "well-annotated tumour and blood samples"),
         ("annotated patient samples for biomarker discovery",
          "access to a clinical biobank",
          "tumour tissue samples to validate our biomarker")),
    ),
    "antibody_drug_conjugates": (
        ("linker_payload",
         ("cleavable and non-cleavable linker-payload libraries",
          "proprietary cytotoxic payloads for ADCs",
          "novel linker chemistry for conjugates"),
         ("linker-payload technology for our antibody",
          "a potent payload to arm our antibody",
          "novel linker chemistry for our ADC programme")),
        ("site_specific_conjugation",
         ("site-specific conjugation technology",
          "enzymatic and engineered-cysteine conjugation methods",
          "conjugation platforms giving a homogeneous drug-to-antibody ratio"),
         ("a site-specific conjugation method for our ADC",
          "conjugation technology for a homogeneous DAR",
          "access to enzymatic conjugation")),
        ("hpapi_manufacturing",
         ("high-potency API manufacturing under containment",
          "HPAPI synthesis of cytotoxic payloads at GMP",
          "contained production of toxin payloads"),
         ("GMP manufacturing of our cytotoxic payload",
          "an HPAPI manufacturer with containment facilities",
          "a supplier of GMP-grade payload-linker")),
        ("gmp_conjugation",
         ("GMP bioconjugation of antibody-drug conjugates",
          "clinical-scale ADC conjugation and purification",
          "conjugation suites for clinical batches"),
         ("a CDMO to conjugate our ADC for clinical trials",
          "GMP conjugation capacity for a phase I batch",
          "clinical supply of our conjugate")),
        ("adc_analytics",
         ("ADC characterisation including DAR and free-drug assays",
          "mass-spectrometry characterisation of conjugates",
          "stability and release testing of ADCs"),
         ("analytical methods to measure drug-to-antibody ratio",
          "characterisation of our conjugate by mass spectrometry",
          "release and stability testing for our ADC")),
        ("tumour_antigens",
         ("a portfolio of tumour-selective antigens for ADC targeting",
          "antibodies against novel tumour antigens",
          "target validation data for solid tumour antigens"),
         ("new tumour-selective targets for our ADC platform",
          "an antibody against a validated tumour antigen",
          "target antigens for next-generation conjugates")),
        ("bispecific_adc",
         ("bispecific and biparatopic ADC formats",
          "engineering of bispecific antibody-drug conjugates",
          "dual-payload conjugate design"),
         ("a bispecific format for our next ADC",
          "expertise in dual-payload conjugates",
          "biparatopic antibody engineering for ADCs")),
        ("adc_pk_modelling",
         ("PK/PD modelling of antibody-drug conjugates",
          "translational modelling of ADC exposure and toxicity",
          "bioanalysis of total antibody and conjugated payload"),
         ("PK/PD modelling to set our first-in-human dose",
          "bioanalytical assays for conjugated payload",
          "translational modelling of our ADC")),
        ("adc_oncology_trials",
         ("oncology trial units experienced with ADCs",
          "early-phase oncology investigators and patients",
          "clinical expertise in managing ADC toxicities"),
         ("oncology sites for a first-in-human ADC study",
          "investigators experienced with conjugate toxicities",
          "a hospital oncology unit for our phase I trial")),
        ("radioconjugates",
         ("radioligand and radioconjugate development",
          "radiolabelling of antibodies with therapeutic isotopes",
          "isotope supply for targeted radiotherapy"),
         ("radiolabelling of our antibody",
          "a partner to develop a radioconjugate",
          "a supply of therapeutic isotopes")),
    ),
    "biologics": (
        ("antibody_discovery",
         ("antibody discovery from immunised and synthetic libraries",
          "phage display antibody discovery",
          "single B-cell antibody discovery"),
         ("antibodies against our target",
          "a discovery partner to generate monoclonal antibodies",
          "phage display campaigns for a difficult target")),
        ("antibody_engineering",
         ("antibody humanisation and affinity maturation",
          "developability engineering of antibodies",
          "protein engineering to improve affinity and stability"),
         ("humanisation of our mouse antibody",
          "affinity maturation of our lead",
          "developability assessment of our antibody candidates")),
        ("cell_line_development",
         ("CHO cell line development with high titres",
          "stable cell line generation for biologics",
          "clonal cell lines with regulatory documentation"),
         ("a high-producing CHO cell line for our antibody",
          "stable cell line development",
          "a clonal production cell line for GMP")),
        ("protein_production",
         ("recombinant protein expression and purification",
          "mammalian and microbial protein production at research scale",
          "custom protein production for research"),
         ("milligrams of purified recombinant protein",
          "protein expression for our structural studies",
          "a partner to produce research-grade proteins")),
        ("mrna_platform",
         ("mRNA design and lipid nanoparticle formulation",
          "mRNA vaccine platform technology",
          "LNP encapsulation of mRNA"),
         ("an mRNA platform for our vaccine antigen",
          "lipid nanoparticle formulation of our mRNA",
          "mRNA manufacturing expertise")),
        ("biosimilars",
         ("biosimilar development and comparability studies",
          "analytical similarity assessment for biosimilars",
          "biosimilar portfolio licensing"),
         ("a biosimilar partner for our market",
          "comparability and similarity analytics",
          "biosimilar products to license in")),
        ("immunogenicity_assays",
         ("immunogenicity and anti-drug antibody assays",
          "validated ADA and neutralising antibody assays",
          "in silico and in vitro immunogenicity risk assessment"),
         ("anti-drug antibody assays for our clinical study",
          "an immunogenicity risk assessment",
          "validated neutralising antibody assays")),
        ("biologics_formulation",
         ("formulation development for high-concentration biologics",
          "stability studies and formulation of proteins",
          "subcutaneous formulation of antibodies"),
         ("a stable formulation for our antibody",
          "high-concentration formulation for subcutaneous dosing",
          "formulation and stability support")),
        ("cell_therapy_platform",
         ("CAR-T and NK cell therapy engineering",
          "allogeneic cell therapy platforms",
          "cell engineering with gene editing"),
         ("a cell therapy platform for our target",
          "CAR-T engineering expertise",
          "gene-edited allogeneic cells")),
        ("translational_immunology",
         ("translational immunology with patient cohorts",
          "clinical immune monitoring of trial patients",
          "access to autoimmune patient cohorts"),
         ("patient cohorts to test our biologic",
          "immune monitoring in a clinical study",
          "clinical collaborators in immunology")),
    ),
    "bioprocessing_cdmo": (
        ("gmp_fill_finish",
         ("GMP fill-finish of injectables",
          "aseptic vial filling under EU GMP",
          "sterile fill-finish into vials and prefilled syringes"),
         ("sterile fill-finish of our clinical batches",
          "a GMP filling partner for injectable vials",
          "aseptic filling into prefilled syringes")),
        ("upstream_development",
         ("upstream process development for cell culture",
          "fed-batch and perfusion process optimisation",
          "bioreactor process development"),
         ("a higher-titre upstream process",
          "bioreactor process optimisation for our cell line",
          "perfusion process development")),
        ("downstream_purification",
         ("downstream purification process development",
          "chromatography and viral clearance development",
          "purification scale-up for proteins"),
         ("a purification process for our protein",
          "viral clearance studies",
          "chromatography development and scale-up")),
        ("gmp_drug_substance",
         ("GMP manufacturing of biologic drug substance",
          "clinical and commercial antibody production",
          "2,000 L single-use bioreactor capacity"),
         ("a CDMO to make our antibody drug substance",
          "GMP production capacity for phase II supply",
          "commercial-scale biologics manufacturing")),
        ("microbial_fermentation",
         ("microbial fermentation at pilot and production scale",
          "E. coli and yeast expression at GMP",
          "precision fermentation capacity"),
         ("fermentation capacity for our microbial product",
          "GMP production in E. coli",
          "a precision fermentation partner")),
        ("viral_vector_manufacturing",
         ("GMP viral vector manufacturing",
          "AAV and lentivirus production for clinical trials",
          "scalable vector production"),
         ("GMP AAV production for our clinical trial",
          "lentiviral vector supply",
          "a vector CDMO with open capacity")),
        ("qc_release_testing",
         ("QC release testing and batch certification",
          "a GMP analytical testing laboratory",
          "Qualified Person release in the EU"),
         ("QC release testing for our batches",
          "EU QP certification of clinical material",
          "a GMP testing lab")),
        ("process_analytics",
         ("process analytical technology and in-line sensors",
          "real-time bioprocess monitoring",
          "digital twins of bioprocesses"),
         ("in-line monitoring of our bioreactors",
          "a digital twin of our bioprocess",
          "process analytical technology for continuous manufacturing")),
        ("single_use_supply",
         ("single-use bioreactors and bioprocess consumables",
          "bioprocess bags, tubing and assemblies",
          "single-use equipment supply"),
         ("a supplier of single-use bioreactor bags",
          "bioprocess consumables with secure supply",
          "single-use assemblies for our facility")),
        ("tech_transfer",
         ("technology transfer and scale-up of bioprocesses",
          "tech transfer into GMP facilities",
          "process validation and scale-up"),
         ("technology transfer of our process to a GMP site",
          "scale-up from pilot to commercial",
          "process validation support")),
        ("cold_chain",
         ("cold-chain logistics for clinical supplies",
          "ultra-low temperature storage and distribution",
          "clinical trial supply packaging and labelling"),
         ("cold-chain distribution of our trial material",
          "clinical supply packaging and labelling",
          "ultra-cold storage for our product")),
    ),
    "diagnostics": (
        ("immunoassay_development",
         ("immunoassay development and validation",
          "ELISA and lateral-flow assay development",
          "custom assay design for biomarkers"),
         ("an immunoassay for our biomarker",
          "lateral-flow assay development",
          "a partner to validate our assay")),
        ("molecular_diagnostics",
         ("PCR and isothermal molecular diagnostics",
          "multiplex PCR panel design",
          "nucleic-acid testing platforms"),
         ("a multiplex PCR panel for respiratory pathogens",
          "molecular test development",
          "an isothermal amplification method")),
        ("ngs_sequencing",
         ("next-generation sequencing services",
          "clinical-grade whole-genome sequencing",
          "NGS library preparation and bioinformatics"),
         ("NGS sequencing of patient samples",
          "clinical sequencing capacity",
          "bioinformatics for our sequencing data")),
        ("point_of_care",
         ("point-of-care diagnostic device design",
          "microfluidic cartridges for point-of-care tests",
          "handheld reader development"),
         ("a point-of-care format for our test",
          "microfluidic cartridge design",
          "a handheld reader for our assay")),
        ("clinical_samples",
         ("clinical samples for diagnostic validation",
          "access to biobanked serum and tissue",
          "retrospective sample cohorts with outcomes"),
         ("well-characterised clinical samples to validate our test",
          "biobanked serum for assay development",
          "retrospective patient cohorts")),
        ("clinical_performance_studies",
         ("clinical performance studies for IVDs",
          "diagnostic accuracy studies in hospital settings",
          "prospective diagnostic trials"),
         ("a clinical performance study for our IVD",
          "a hospital to run diagnostic accuracy studies",
          "prospective validation of our test")),
        ("ivd_regulatory",
         ("IVDR and FDA 510(k) regulatory support",
          "CE-IVD technical documentation",
          "regulatory strategy for diagnostics"),
         ("help with IVDR certification",
          "a 510(k) submission for our test",
          "CE-IVD documentation")),
        ("liquid_biopsy",
         ("liquid biopsy and circulating tumour DNA analysis",
          "ctDNA assays for cancer monitoring",
          "cell-free DNA methylation profiling"),
         ("ctDNA testing for our trial patients",
          "a liquid biopsy assay",
          "cell-free DNA analysis")),
        ("companion_diagnostics",
         ("companion diagnostic co-development",
          "CDx assay development alongside drug programmes",
          "patient-selection assays for targeted therapies"),
         ("a companion diagnostic for our targeted therapy",
          "a CDx partner",
          "a patient-selection assay")),
        ("digital_pathology",
         ("digital pathology scanning and image analysis",
          "AI-assisted slide analysis",
          "whole-slide imaging services"),
         ("digital pathology analysis of our biopsies",
          "AI image analysis of tissue slides",
          "whole-slide scanning capacity")),
    ),
    "medical_devices": (
        ("device_contract_manufacturing",
         ("ISO 13485 contract manufacturing of medical devices",
          "cleanroom assembly of medical devices",
          "design transfer and device production"),
         ("an ISO 13485 contract manufacturer",
          "cleanroom assembly for our device",
          "volume manufacturing of a class II device")),
        ("precision_components",
         ("precision micro-machining of implants",
          "CNC machining of titanium implants",
          "micro-moulding of medical components"),
         ("machined titanium implant components",
          "micro-moulded parts for our device",
          "a precision machining supplier")),
        ("biocompatibility_testing",
         ("ISO 10993 biocompatibility testing",
          "biological safety evaluation of devices",
          "cytotoxicity and sensitisation testing"),
         ("biocompatibility testing for our implant",
          "an ISO 10993 test plan",
          "biological evaluation of our materials")),
        ("device_regulatory",
         ("EU MDR and FDA regulatory consulting",
          "technical files and clinical evaluation reports",
          "notified body preparation"),
         ("help with EU MDR certification",
          "a clinical evaluation report",
          "an FDA clearance strategy")),
        ("device_clinical_investigation",
         ("clinical investigations of medical devices",
          "first-in-human device studies at our hospital",
          "surgeon-led device evaluation"),
         ("a hospital to run our device clinical investigation",
          "clinicians to evaluate our prototype",
          "first-in-human testing of our device")),
        ("medical_electronics",
         ("medical electronics design to IEC 60601",
          "embedded firmware for medical devices",
          "low-power sensor electronics for wearables"),
         ("IEC 60601 compliant electronics design",
          "firmware development for our device",
          "low-power electronics for a wearable")),
        ("usability_engineering",
         ("human factors and usability engineering",
          "usability studies under IEC 62366",
          "user research with clinicians"),
         ("usability testing of our device",
          "human factors engineering",
          "clinician user research")),
        ("sterilisation",
         ("sterilisation validation by EO, gamma and e-beam",
          "sterile packaging development",
          "sterilisation services for devices"),
         ("sterilisation validation for our product",
          "sterile barrier packaging",
          "gamma sterilisation capacity")),
        ("implant_materials",
         ("bioresorbable polymers for implants",
          "coatings for implantable devices",
          "medical-grade silicone components"),
         ("a bioresorbable material for our implant",
          "an antimicrobial implant coating",
          "medical-grade silicone parts")),
        ("device_distribution",
         ("a hospital distribution network for medical devices",
          "market access and reimbursement support",
          "a sales channel into hospital procurement"),
         ("distribution of our device in new markets",
          "reimbursement and market access support",
          "a hospital sales partner")),
    ),
    "digital_health": (
        ("ehr_integration",
         ("EHR integration via HL7 FHIR",
          "interoperability with hospital information systems",
          "FHIR APIs for clinical data"),
         ("integration of our app with hospital EHRs",
          "FHIR interoperability",
          "a connection to hospital information systems")),
        ("real_world_data",
         ("de-identified real-world clinical data",
          "longitudinal patient records for research",
          "a data platform with hospital records"),
         ("real-world data to validate our algorithm",
          "de-identified patient records",
          "longitudinal clinical data")),
        ("remote_monitoring",
         ("remote patient monitoring platforms",
          "home monitoring with connected devices",
          "telemonitoring for chronic disease"),
         ("a remote monitoring platform for our patients",
          "connected home monitoring",
          "a telemonitoring partner")),
        ("clinical_pilot_sites",
         ("hospital pilot sites for digital health tools",
          "clinical testbeds for health software",
          "living labs in care settings"),
         ("a hospital to pilot our software",
          "a clinical testbed",
          "a care setting to trial our digital tool")),
        ("samd_regulatory",
         ("software as a medical device certification support",
          "SaMD quality management and IEC 62304",
          "regulatory pathways for health apps"),
         ("SaMD certification for our app",
          "IEC 62304 compliant processes",
          "a regulatory route for our health software")),
        ("telemedicine",
         ("a telemedicine platform for virtual consultations",
          "white-label video consultation software",
          "virtual care infrastructure"),
         ("a telemedicine platform for our clinics",
          "video consultation software",
          "virtual care technology")),
        ("digital_therapeutics",
         ("digital therapeutics with clinical evidence",
          "app-based therapy for chronic conditions",
          "prescription digital therapeutics"),
         ("a digital therapeutic to add to our care pathway",
          "evidence-based app therapy",
          "a prescription digital therapeutic to license")),
        ("health_data_infrastructure",
         ("privacy-preserving health data infrastructure",
          "GDPR and HIPAA compliant cloud hosting",
          "federated data analysis across hospitals"),
         ("HIPAA compliant hosting",
          "a federated learning setup for hospital data",
          "privacy-preserving data infrastructure")),
        ("wearable_sensors",
         ("wearable sensors for continuous vital signs",
          "medical-grade wearable patches",
          "wearable data analytics"),
         ("a wearable sensor for our study",
          "continuous vital-sign monitoring",
          "a wearable patch for patients")),
        ("patient_engagement",
         ("patient engagement and adherence apps",
          "patient recruitment through digital channels",
          "medication adherence solutions"),
         ("digital patient recruitment for our trial",
          "an adherence app",
          "patient engagement tools")),
    ),
    "aerospace": (
        ("satellite_integration",
         ("small-satellite design and integration",
          "CubeSat platforms and integration services",
          "satellite assembly and testing"),
         ("a CubeSat platform for our payload",
          "satellite integration",
          "a bus for our small satellite")),
        ("launch_services",
         ("rideshare launch services",
          "access to launch for small payloads",
          "launch brokerage and integration"),
         ("a launch slot for our CubeSat",
          "rideshare access to orbit",
          "launch integration")),
        ("space_qualification",
         ("thermal vacuum and vibration testing",
          "space qualification of components",
          "environmental test facilities"),
         ("thermal vacuum testing of our hardware",
          "space qualification for our electronics",
          "vibration and shock testing")),
        ("earth_observation",
         ("earth observation imagery and analytics",
          "satellite SAR and optical data",
          "geospatial analytics from satellite imagery"),
         ("satellite imagery for our application",
          "SAR data over our region",
          "geospatial analytics")),
        ("composite_aerostructures",
         ("composite aerostructure design and manufacturing",
          "carbon-fibre parts for aircraft",
          "lightweight structures for airframes"),
         ("composite parts for our aircraft",
          "a carbon-fibre structures supplier",
          "lightweight airframe design")),
        ("avionics",
         ("avionics hardware and software to DO-178C",
          "flight control electronics",
          "certified avionics development"),
         ("DO-178C certified software",
          "flight control electronics for our aircraft",
          "an avionics partner")),
        ("uav_systems",
         ("unmanned aerial systems and drone platforms",
          "long-endurance drones",
          "drone operations beyond visual line of sight"),
         ("a drone platform for our sensors",
          "BVLOS drone operations",
          "long-endurance UAVs")),
        ("propulsion",
         ("electric and hybrid aircraft propulsion",
          "small-satellite propulsion systems",
          "rocket engine test stands"),
         ("a propulsion system for our satellite",
          "electric propulsion for our aircraft",
          "engine testing")),
        ("aircraft_mro",
         ("aircraft maintenance, repair and overhaul",
          "predictive maintenance for fleets",
          "MRO engineering services"),
         ("MRO services for our fleet",
          "predictive maintenance of aircraft",
          "overhaul capacity")),
        ("ground_segment",
         ("ground station networks and satellite communications",
          "ground segment as a service",
          "satellite telemetry and command"),
         ("ground station access for our mission",
          "satellite communications",
          "telemetry and command services")),
    ),
    "semiconductors": (
        ("foundry",
         ("wafer foundry services for specialty processes",
          "CMOS fabrication at mature nodes",
          "multi-project wafer runs"),
         ("foundry capacity for our chip",
          "a multi-project wafer run",
          "CMOS fabrication for a prototype")),
        ("chip_design",
         ("ASIC design services",
          "analog and mixed-signal IC design",
          "chip design from specification to tape-out"),
         ("an ASIC for our product",
          "mixed-signal IC design",
          "a design house to tape out our chip")),
        ("advanced_packaging",
         ("advanced packaging and heterogeneous integration",
          "chiplet integration and 2.5D packaging",
          "wafer-level packaging"),
         ("advanced packaging for our chiplets",
          "heterogeneous integration",
          "wafer-level packaging services")),
        ("power_devices",
         ("silicon carbide and gallium nitride power devices",
          "GaN transistors for power conversion",
          "SiC MOSFET development"),
         ("SiC power devices for our inverter",
          "GaN transistors",
          "power semiconductors for fast chargers")),
        ("failure_analysis",
         ("wafer metrology and failure analysis",
          "electron microscopy failure analysis",
          "defect inspection services"),
         ("failure analysis of our devices",
          "wafer metrology",
          "defect inspection")),
        ("silicon_photonics",
         ("silicon photonics design and fabrication",
          "photonic integrated circuits",
          "optical transceiver components"),
         ("a photonic integrated circuit",
          "silicon photonics fabrication",
          "optical transceivers")),
        ("eda_verification",
         ("EDA software and verification tools",
          "hardware verification and emulation",
          "design automation for analog circuits"),
         ("verification of our design",
          "EDA tools for our team",
          "hardware emulation capacity")),
        ("mems_sensors",
         ("MEMS sensor design and fabrication",
          "MEMS foundry services",
          "pressure and inertial sensors"),
         ("a custom MEMS sensor",
          "MEMS fabrication",
          "inertial sensors for our product")),
        ("processor_ip",
         ("RISC-V processor IP",
          "licensable processor cores",
          "AI accelerator IP blocks"),
         ("a RISC-V core for our SoC",
          "processor IP to license",
          "accelerator IP")),
        ("cleanroom_access",
         ("cleanroom access and process engineering",
          "a pilot line for semiconductor prototyping",
          "an open-access fab"),
         ("cleanroom time for prototyping",
          "access to a semiconductor pilot line",
          "process engineering support")),
    ),
    "ai": (
        ("computer_vision",
         ("computer vision models for inspection",
          "image recognition and object detection",
          "vision AI for industrial quality control"),
         ("computer vision for our production line",
          "object detection models",
          "automated visual inspection")),
        ("language_models",
         ("large language model fine-tuning",
          "natural language processing for documents",
          "retrieval-augmented generation systems"),
         ("an LLM fine-tuned on our documents",
          "NLP to analyse text",
          "a retrieval-augmented assistant")),
        ("mlops",
         ("MLOps platforms for model deployment",
          "model monitoring and lifecycle management",
          "machine learning infrastructure"),
         ("deployment of our models in production",
          "model monitoring",
          "ML infrastructure")),
        ("gpu_compute",
         ("GPU compute clusters for training",
          "high-performance computing time",
          "AI supercomputing access"),
         ("GPU hours to train our models",
          "HPC access",
          "compute for training a foundation model")),
        ("training_data",
         ("data labelling and annotation services",
          "curated training datasets",
          "synthetic data generation"),
         ("labelled training data",
          "annotation of our images",
          "synthetic data for training")),
        ("edge_ai",
         ("edge AI on low-power devices",
          "model compression and quantisation",
          "embedded inference"),
         ("models that run on our embedded hardware",
          "model quantisation",
          "edge inference")),
        ("molecular_ai",
         ("machine learning for molecular design",
          "AI-driven protein structure prediction",
          "generative chemistry models"),
         ("AI for designing molecules",
          "protein structure prediction",
          "generative chemistry")),
        ("predictive_analytics",
         ("time-series forecasting and predictive analytics",
          "demand forecasting models",
          "anomaly detection in sensor data"),
         ("predictive analytics for our operations",
          "anomaly detection",
          "demand forecasts")),
        ("responsible_ai",
         ("AI governance, audit and EU AI Act compliance",
          "bias and robustness testing of models",
          "explainability tooling"),
         ("an AI Act compliance review",
          "bias testing of our model",
          "explainability for our AI system")),
        ("ai_research",
         ("applied AI research collaborations",
          "AI talent through joint PhD projects",
          "machine learning research expertise"),
         ("AI researchers to collaborate with",
          "machine learning expertise for a joint project",
          "PhD students in machine learning")),
    ),
    "robotics": (
        ("industrial_automation",
         ("industrial automation and robot cells",
          "robotic assembly lines",
          "factory automation integration"),
         ("automation of our assembly process",
          "a robot cell for our factory",
          "automation integration")),
        ("mobile_robots",
         ("autonomous mobile robots for logistics",
          "AMR fleets for warehouses",
          "intralogistics robotics"),
         ("mobile robots for our warehouse",
          "autonomous intralogistics",
          "AMR fleet management")),
        ("robot_perception",
         ("3D perception and SLAM for robots",
          "robot navigation software",
          "sensor fusion for autonomy"),
         ("SLAM for our robot",
          "robot navigation",
          "sensor fusion")),
        ("grippers",
         ("grippers and dexterous manipulation",
          "soft robotic grippers",
          "pick-and-place for varied items"),
         ("a gripper for delicate parts",
          "dexterous manipulation",
          "pick-and-place automation")),
        ("cobots",
         ("collaborative robot deployment",
          "cobots for small manufacturers",
          "human-robot collaboration safety"),
         ("a cobot for our workshop",
          "safe human-robot collaboration",
          "cobot integration")),
        ("lab_automation",
         ("laboratory automation and liquid handling robots",
          "automated high-throughput screening",
          "self-driving lab platforms"),
         ("lab automation for our assays",
          "liquid handling robots",
          "an automated screening setup")),
        ("surgical_robotics",
         ("surgical robotics platforms",
          "robot-assisted surgery instruments",
          "haptic teleoperation"),
         ("a surgical robot partner",
          "robot-assisted instruments",
          "haptic teleoperation for surgery")),
        ("robot_testing",
         ("robot testing fields and test tracks",
          "safety certification of robots",
          "simulation and digital twins for robots"),
         ("a test field for our robots",
          "robot safety certification",
          "robot simulation")),
        ("inspection_robots",
         ("inspection robots for infrastructure",
          "crawler robots for pipes and tanks",
          "robotic inspection of power plants"),
         ("robotic inspection of our assets",
          "pipe inspection robots",
          "infrastructure inspection")),
        ("exoskeletons",
         ("exoskeletons for workers and rehabilitation",
          "wearable robotics",
          "assistive robotics for care"),
         ("exoskeletons for our workforce",
          "wearable robotics for rehabilitation",
          "assistive robots")),
    ),
    "quantum": (
        ("quantum_hardware_access",
         ("cloud access to quantum computers",
          "quantum hardware time on superconducting qubits",
          "trapped-ion quantum computing access"),
         ("quantum computer access for experiments",
          "time on quantum hardware",
          "qubits to run our algorithms")),
        ("quantum_algorithms",
         ("quantum algorithm development",
          "quantum optimisation and chemistry simulation",
          "hybrid quantum-classical software"),
         ("quantum algorithms for our optimisation problem",
          "quantum chemistry simulation",
          "a quantum software partner")),
        ("quantum_sensing",
         ("quantum sensors for navigation and imaging",
          "NV-centre magnetometry",
          "atomic clocks and gravimeters"),
         ("quantum sensors for our application",
          "precision magnetometry",
          "atomic timing")),
        ("quantum_communication",
         ("quantum key distribution networks",
          "quantum-safe communication links",
          "post-quantum cryptography migration"),
         ("quantum-safe encryption",
          "a QKD link",
          "post-quantum cryptography")),
        ("cryogenics",
         ("cryogenic systems and dilution refrigerators",
          "cryogenic electronics",
          "cryostat design"),
         ("a dilution refrigerator",
          "cryogenic electronics for our experiment",
          "cryostat engineering")),
        ("qubit_control",
         ("quantum control electronics",
          "qubit control and readout hardware",
          "microwave control stacks"),
         ("control electronics for our qubits",
          "qubit readout",
          "a microwave control stack")),
        ("quantum_photonics",
         ("single-photon sources and detectors",
          "integrated quantum photonics",
          "superconducting nanowire detectors"),
         ("single-photon detectors",
          "quantum photonic chips",
          "entangled photon sources")),
        ("qubit_fabrication",
         ("fabrication of superconducting qubit chips",
          "quantum device nanofabrication",
          "Josephson junction fabrication"),
         ("qubit chip fabrication",
          "nanofabrication of quantum devices",
          "Josephson junctions")),
        ("quantum_training",
         ("quantum workforce training",
          "quantum education programmes",
          "quantum literacy courses"),
         ("training our engineers in quantum computing",
          "quantum courses for staff",
          "quantum skills")),
        ("quantum_benchmarking",
         ("benchmarking of quantum hardware",
          "quantum error correction research",
          "characterisation of qubit performance"),
         ("benchmarks for our quantum processor",
          "error correction expertise",
          "qubit characterisation")),
    ),
    "advanced_materials": (
        ("battery_materials",
         ("cathode and anode materials for batteries",
          "solid-state electrolytes",
          "silicon anode materials"),
         ("cathode materials for our cells",
          "a solid-state electrolyte",
          "anode materials")),
        ("composites",
         ("fibre-reinforced composites development",
          "thermoplastic composites processing",
          "recyclable composite materials"),
         ("a composite material for lightweighting",
          "thermoplastic composite processing",
          "recyclable composites")),
        ("additive_manufacturing",
         ("metal additive manufacturing",
          "3D printing of polymer and metal parts",
          "powder development for additive manufacturing"),
         ("3D-printed metal parts",
          "additive manufacturing of prototypes",
          "metal powders for printing")),
        ("coatings",
         ("functional surface coatings",
          "thin-film deposition by PVD and ALD",
          "anti-corrosion coatings"),
         ("a corrosion-resistant coating",
          "thin-film deposition",
          "functional surfaces")),
        ("materials_characterisation",
         ("materials characterisation by XRD, SEM and TEM",
          "mechanical testing of materials",
          "surface analysis"),
         ("characterisation of our samples",
          "electron microscopy of our materials",
          "mechanical testing")),
        ("nanomaterials",
         ("graphene and 2D materials",
          "nanoparticle synthesis",
          "carbon nanotube dispersions"),
         ("graphene for our product",
          "custom nanoparticles",
          "carbon nanotube additives")),
        ("materials_simulation",
         ("materials informatics and simulation",
          "computational materials discovery",
          "DFT and molecular dynamics simulation"),
         ("simulation to screen new materials",
          "computational materials design",
          "DFT calculations")),
        ("biobased_polymers",
         ("bio-based and biodegradable polymers",
          "sustainable plastics from renewable feedstocks",
          "polymer recycling technology"),
         ("a biodegradable polymer for our packaging",
          "bio-based plastics",
          "polymer recycling")),
        ("technical_ceramics",
         ("technical ceramics and ceramic matrix composites",
          "high-temperature materials",
          "ceramic components"),
         ("ceramic components for high temperatures",
          "high-temperature materials",
          "ceramic matrix composites")),
        ("materials_scale_up",
         ("pilot-scale materials production",
          "scale-up of chemical synthesis",
          "toll manufacturing of specialty materials"),
         ("scale-up of our material",
          "pilot production",
          "toll manufacturing")),
    ),
    "energy": (
        ("battery_cells",
         ("battery cell design and prototyping",
          "lithium-ion cell manufacturing",
          "battery pack engineering"),
         ("battery cells for our product",
          "a battery pack",
          "cell prototyping")),
        ("battery_testing",
         ("battery testing and certification",
          "cell ageing and safety testing",
          "battery lifetime modelling"),
         ("battery testing for certification",
          "ageing tests of our cells",
          "battery lifetime prediction")),
        ("electrolysers",
         ("electrolyser technology for green hydrogen",
          "hydrogen production systems",
          "PEM and solid-oxide electrolysers"),
         ("an electrolyser for green hydrogen",
          "hydrogen production",
          "electrolyser stacks")),
        ("fuel_cells",
         ("fuel cell systems for vehicles and backup power",
          "fuel cell stack development",
          "hydrogen fuel cell integration"),
         ("fuel cells for our vehicles",
          "fuel cell stacks",
          "hydrogen fuel cell integration")),
        ("grid_storage",
         ("grid-scale energy storage",
          "battery energy storage systems",
          "storage project development"),
         ("energy storage for our site",
          "a battery storage system",
          "grid storage")),
        ("smart_grid",
         ("smart grid software and energy management",
          "demand response and grid flexibility",
          "virtual power plants"),
         ("energy management software",
          "grid flexibility",
          "a virtual power plant")),
        ("carbon_capture",
         ("carbon capture and utilisation",
          "direct air capture technology",
          "CO2 conversion to fuels"),
         ("carbon capture for our plant",
          "direct air capture",
          "CO2 utilisation")),
        ("solar_pv",
         ("solar PV modules and perovskite cells",
          "photovoltaic research and testing",
          "solar project engineering"),
         ("solar modules for our project",
          "perovskite cells",
          "PV testing")),
        ("geothermal",
         ("geothermal and subsurface engineering",
          "well drilling and reservoir engineering",
          "subsurface energy storage"),
         ("geothermal development",
          "reservoir engineering",
          "subsurface storage")),
        ("energy_testbeds",
         ("energy demonstration sites and testbeds",
          "field pilots with utilities",
          "microgrid testbeds"),
         ("a pilot site for our energy technology",
          "a utility partner for field tests",
          "a microgrid testbed")),
    ),
}

_CLINICAL: frozenset[str] = frozenset({
    "clinical_trial_sites", "patient_biobank", "adc_oncology_trials", "translational_immunology",
    "clinical_samples", "clinical_performance_studies", "device_clinical_investigation", "real_world_data",
    "clinical_pilot_sites",
})
"""Hand-written capabilities that hospitals (and some research groups) offer."""

# How each sector reads mid-sentence ("an accelerator for {x} startups", "working on {x}").
_SECTOR_SHORT: dict[str, str] = {
    "therapeutics": "drug development",
    "antibody_drug_conjugates": "ADC",
    "biologics": "biologics",
    "bioprocessing_cdmo": "bioprocessing",
    "diagnostics": "diagnostics",
    "medical_devices": "medtech",
    "digital_health": "digital health",
    "aerospace": "aerospace",
    "semiconductors": "microelectronics",
    "ai": "AI",
    "robotics": "robotics",
    "quantum": "quantum technology",
    "advanced_materials": "advanced materials",
    "energy": "clean energy",
}

# Capabilities every sector has, written from the sector's short name.
_GENERIC: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "funding": (
        ("seed and Series A investment in {x} startups",
         "venture capital for early-stage {x} companies",
         "co-investment and follow-on funding for {x} ventures"),
        ("seed or Series A funding for our {x} venture",
         "investors for our next {x} financing round",
         "capital to scale our {x} business"),
    ),
    "support": (
        ("soft-landing support for foreign {x} companies",
         "market-entry services and local introductions for {x} firms",
         "an acceleration programme with mentors and lab space for {x} startups"),
        ("soft-landing support to enter a new market with our {x} products",
         "local introductions and market-entry help for our {x} business",
         "an acceleration programme with {x} mentors"),
    ),
    "dealflow": (
        ("an investment opportunity in a fast-growing {x} startup",
         "equity in our {x} venture ahead of its next round",
         "a pipeline of investable {x} technology"),
        ("promising {x} startups to invest in",
         "deal flow of early-stage {x} companies",
         "{x} startups for our portfolio or next cohort"),
    ),
}


def _build_catalogue() -> tuple[Capability, ...]:
    caps = [
        Capability(f"{sector}/{name}", sector, "clinical" if name in _CLINICAL else "tech", offers, needs)
        for sector, specs in _TECH.items()
        for name, offers, needs in specs
    ]
    for sector in SECTORS:
        short = _SECTOR_SHORT[sector]
        for kind, (offers, needs) in _GENERIC.items():
            caps.append(Capability(
                f"{sector}/{kind}", sector, kind,
                tuple(p.format(x=short) for p in offers), tuple(p.format(x=short) for p in needs),
            ))
    return tuple(caps)


CATALOGUE: tuple[Capability, ...] = _build_catalogue()
"""The latent capabilities (183): 10-11 technical or clinical ones per sector, plus funding, support and
deal flow."""

FOCI: tuple[str, ...] = (
    "oncology", "immunology and inflammation", "neuroscience", "infectious diseases", "rare diseases",
    "cardiometabolic disease",
    "mobility and automotive", "space and defence", "healthcare", "industrial manufacturing",
    "the energy transition", "consumer electronics and telecoms",
)
"""Application foci: the first six for organisations whose main sector is a bio sector, the rest for tech."""

_OFFER_TEMPLATES = ("{P}", "We offer {p}", "We provide {p} to partners", "Proven track record in {p}",
                    "Our team delivers {p}")
_NEED_TEMPLATES = ("We are looking for {p}", "Seeking {p}", "We need {p}", "Interested in {p}")

_RELATED: dict[str, tuple[str, ...]] = {
    "therapeutics": ("antibody_drug_conjugates", "biologics", "bioprocessing_cdmo", "diagnostics", "ai"),
    "antibody_drug_conjugates": ("therapeutics", "biologics", "bioprocessing_cdmo"),
    "biologics": ("therapeutics", "antibody_drug_conjugates", "bioprocessing_cdmo"),
    "bioprocessing_cdmo": ("biologics", "antibody_drug_conjugates", "therapeutics", "robotics"),
    "diagnostics": ("medical_devices", "digital_health", "ai", "therapeutics"),
    "medical_devices": ("diagnostics", "digital_health", "robotics", "advanced_materials", "semiconductors"),
    "digital_health": ("ai", "diagnostics", "medical_devices"),
    "aerospace": ("advanced_materials", "semiconductors", "robotics", "ai", "energy"),
    "semiconductors": ("advanced_materials", "quantum", "ai", "energy"),
    "ai": ("semiconductors", "robotics", "digital_health", "quantum"),
    "robotics": ("ai", "semiconductors", "aerospace", "medical_devices"),
    "quantum": ("semiconductors", "advanced_materials", "ai"),
    "advanced_materials": ("energy", "semiconductors", "aerospace"),
    "energy": ("advanced_materials", "semiconductors", "ai"),
}
"""Sectors whose capabilities an organisation in the key sector tends to need; also its second sector."""

_SECTOR_SENTENCES: dict[str, tuple[str, ...]] = {
    "therapeutics": ("It develops small molecules and new modalities for diseases with high unmet need.",
                     "Its scientists move programmes from discovery into the clinic.",
                     "The team combines biology, chemistry and translational medicine."),
    "antibody_drug_conjugates": ("It works on conjugates that deliver potent payloads to tumours.",
                                 "Its chemists and biologists design targeted conjugates.",
                                 "The team specialises in linker, payload and conjugation science."),
    "biologics": ("It discovers and develops antibodies and therapeutic proteins.",
                  "Its protein engineers design next-generation biologics.",
                  "The team covers biologics from discovery to development."),
    "bioprocessing_cdmo": ("It runs bioprocess development and GMP manufacturing for clients.",
                           "Its facilities take biologics from the lab to clinical supply.",
                           "The team has long experience in manufacturing and quality."),
    "diagnostics": ("It develops tests that help clinicians decide faster.",
                    "Its assays detect disease earlier and more accurately.",
                    "The team builds diagnostics from biomarker to certified product."),
    "medical_devices": ("It designs and builds medical devices for hospitals and patients.",
                        "Its engineers bring devices from prototype to certified product.",
                        "The team combines clinical insight with precision engineering."),
    "digital_health": ("It builds software that improves care and patient outcomes.",
                       "Its platforms connect patients, clinicians and data.",
                       "The team works at the interface of medicine and software."),
    "aerospace": ("It builds hardware and services for aviation and space.",
                  "Its engineers design systems for flight and orbit.",
                  "The team has flight heritage on several missions."),
    "semiconductors": ("It works on chips, devices and semiconductor processes.",
                       "Its engineers design and fabricate microelectronic components.",
                       "The team covers the semiconductor value chain from design to test."),
    "ai": ("It applies machine learning to real-world problems.",
           "Its data scientists build and deploy AI models.",
           "The team turns data into predictions and decisions."),
    "robotics": ("It builds robots and automation systems.",
                 "Its engineers combine mechanics, control and perception.",
                 "The team deploys robots in factories, warehouses and the field."),
    "quantum": ("It develops quantum technologies for computing, sensing and communication.",
                "Its physicists and engineers build quantum hardware and software.",
                "The team turns quantum research into products."),
    "advanced_materials": ("It develops new materials with tailored properties.",
                           "Its chemists and engineers design materials for demanding applications.",
                           "The team scales materials from the lab to production."),
    "energy": ("It develops clean energy technologies.",
               "Its engineers work on storage, hydrogen and low-carbon power.",
               "The team helps decarbonise industry and transport."),
}

# Free sector tags outside the taxonomy (split_sectors keeps them as tags) and named technologies.
_TAGS: dict[str, tuple[str, ...]] = {
    "therapeutics": ("small molecules", "cell and gene therapy", "RNA therapeutics"),
    "antibody_drug_conjugates": ("targeted oncology", "bioconjugation"),
    "biologics": ("protein engineering", "vaccines"),
    "bioprocessing_cdmo": ("GMP manufacturing", "continuous bioprocessing"),
    "diagnostics": ("precision medicine", "point-of-care testing"),
    "medical_devices": ("implants", "surgical instruments"),
    "digital_health": ("telehealth", "health data"),
    "aerospace": ("new space", "drones"),
    "semiconductors": ("photonics", "power electronics"),
    "ai": ("computer vision", "generative AI"),
    "robotics": ("logistics", "industry 4.0"),
    "quantum": ("quantum sensing", "post-quantum cryptography"),
    "advanced_materials": ("graphene", "circular economy"),
    "energy": ("green hydrogen", "smart grids"),
}
_TECHNOLOGIES: dict[str, tuple[str, ...]] = {
    "therapeutics": ("CRISPR screening", "PROTAC", "cryo-EM", "AlphaFold", "organoids"),
    "antibody_drug_conjugates": ("MMAE", "exatecan", "click chemistry", "HIC", "DAR 8"),
    "biologics": ("CHO-K1", "phage display", "Fc engineering", "mRNA-LNP", "SPR"),
    "bioprocessing_cdmo": ("single-use bioreactors", "perfusion", "Protein A", "lyophilisation", "ATF"),
    "diagnostics": ("qPCR", "lateral flow", "ddPCR", "Illumina", "ELISA"),
    "medical_devices": ("IEC 60601", "ISO 13485", "micro-moulding", "BLE", "nitinol"),
    "digital_health": ("HL7 FHIR", "DICOM", "OMOP", "federated learning", "SMART on FHIR"),
    "aerospace": ("CubeSat", "SAR", "DO-178C", "CFRP", "S-band"),
    "semiconductors": ("GaN", "SiC", "RISC-V", "FinFET", "EUV", "chiplets"),
    "ai": ("PyTorch", "transformers", "ONNX", "Kubernetes", "RAG"),
    "robotics": ("ROS 2", "SLAM", "LiDAR", "EtherCAT", "MoveIt"),
    "quantum": ("transmon", "trapped ions", "NV centres", "SNSPD", "Qiskit"),
    "advanced_materials": ("graphene", "ALD", "MXenes", "CFRP", "perovskites"),
    "energy": ("PEM electrolysis", "LFP", "solid-state batteries", "SOFC", "perovskites"),
}

# Places: the alliance first, then others in the same markets. Each city -> (country, favoured sectors).
_CITIES: dict[str, tuple[str, tuple[str, ...]]] = {
    **{
        city: (country, favoured)
        for (city, (country, _, _)), favoured in zip(
            ALLIANCE_CITIES.items(),
            (
                ("semiconductors", "aerospace", "biologics", "advanced_materials"),  # Daejeon
                ("ai", "aerospace", "digital_health", "biologics", "therapeutics"),  # Seattle
                ("energy", "ai", "digital_health"),  # Calgary
                ("robotics", "ai", "energy", "advanced_materials"),  # Dortmund
                ("semiconductors", "ai", "digital_health"),  # Málaga
                ("therapeutics", "biologics", "antibody_drug_conjugates", "diagnostics", "quantum"),  # MoCo
            ),
            strict=True,
        )
    },
    "Boston": ("US", ("therapeutics", "biologics", "robotics")),
    "San Diego": ("US", ("diagnostics", "therapeutics")),
    "Toronto": ("CA", ("ai", "digital_health")),
    "Munich": ("DE", ("aerospace", "quantum", "semiconductors")),
    "Barcelona": ("ES", ("digital_health", "medical_devices")),
    "Seoul": ("KR", ("semiconductors", "ai", "bioprocessing_cdmo")),
    "Cambridge": ("GB", ("therapeutics", "ai")),
    "Paris": ("FR", ("aerospace", "ai", "quantum")),
    "Tokyo": ("JP", ("robotics", "advanced_materials")),
    "Singapore": ("SG", ("bioprocessing_cdmo", "semiconductors")),
    "Amsterdam": ("NL", ("semiconductors", "digital_health")),
    "Basel": ("CH", ("therapeutics", "bioprocessing_cdmo")),
}
_ALLIANCE_WEIGHTS = (0.22, 0.22, 0.14, 0.14, 0.14, 0.14)  # Daejeon and Seattle are the largest hubs
_COUNTRY: dict[str, tuple[str, tuple[str, ...], str]] = {  # legal form, working languages, web domain
    "US": ("Inc.", ("en",), "com"),
    "CA": ("Inc.", ("en", "fr"), "ca"),
    "KR": ("Co., Ltd.", ("ko", "en"), "kr"),
    "DE": ("GmbH", ("de", "en"), "de"),
    "ES": ("S.L.", ("es", "en"), "es"),
    "GB": ("Ltd", ("en",), "co.uk"),
    "FR": ("SAS", ("fr", "en"), "fr"),
    "JP": ("K.K.", ("ja", "en"), "jp"),
    "SG": ("Pte. Ltd.", ("en", "zh"), "sg"),
    "NL": ("B.V.", ("nl", "en"), "nl"),
    "CH": ("AG", ("de", "fr", "en"), "ch"),
}

# Per organisation type (ORG_TYPES order): share of organisations; offered and needed kinds
# (tech, clinical, funding, support, dealflow); founding years;
# median head count; how names end; and how descriptions open ("{pre}{sectors}{mid}{city}.").
_TYPE_SHARE = (0.35, 0.18, 0.08, 0.05, 0.03, 0.07, 0.07, 0.04, 0.05, 0.03, 0.03, 0.02)
_OFFER_KINDS = (
    (0.85, 0, 0, 0, 0.15), (0.95, 0, 0, 0.05, 0), (0.9, 0, 0.05, 0.05, 0), (0.9, 0, 0.05, 0.05, 0),
    (0.85, 0, 0.1, 0.05, 0), (0.9, 0.1, 0, 0, 0), (0.9, 0.1, 0, 0, 0), (0.2, 0.8, 0, 0, 0),
    (0, 0, 1, 0, 0), (0, 0, 0.3, 0.7, 0), (0, 0, 0.2, 0.8, 0), (0.5, 0, 0, 0.5, 0),
)
_NEED_KINDS = (
    (0.5, 0.1, 0.3, 0.1, 0), (0.7, 0.1, 0.1, 0.1, 0), (0.8, 0.1, 0, 0, 0.1), (0.8, 0.1, 0, 0, 0.1),
    (0.75, 0.1, 0, 0, 0.15), (0.75, 0.1, 0.15, 0, 0), (0.75, 0.1, 0.15, 0, 0), (1, 0, 0, 0, 0),
    (0, 0, 0, 0, 1), (0.3, 0, 0, 0, 0.7), (0, 0, 0, 0, 1), (0.6, 0, 0, 0.2, 0.2),
)
_FOUNDED = ((2010, 2024), (1980, 2020), (1950, 2020), (1900, 2015), (1850, 2010), (1850, 2000),
            (1950, 2015), (1880, 2010), (1990, 2022), (1960, 2020), (2005, 2022), (1950, 2022))
_EMPLOYEES = (12, 60, 800, 5000, 40000, 3000, 400, 2500, 15, 150, 12, 20)
_STAGE_SHARE = (  # over STAGES + "none"
    (0.15, 0.35, 0.3, 0.15, 0.05, 0, 0), (0, 0, 0, 0, 0.4, 0.6, 0), (0, 0, 0, 0, 0, 1, 0),
    (0, 0, 0, 0, 0, 1, 0), (0, 0, 0, 0, 0, 1, 0), *[(0, 0, 0, 0, 0, 0, 1)] * 7,
)
_NAME_ENDINGS: tuple[tuple[tuple[bool, bool, str], ...], ...] = (  # (sector word?, legal form?, words)
    ((True, False, ""), (True, True, "")), ((True, True, ""),), ((True, True, ""),), ((True, True, ""),),
    ((True, False, " Group"), (False, False, " Holdings")),
    ((False, False, " University"), (False, False, " Institute of Technology")),
    ((False, False, " Institute"), (False, False, " Research Centre")),
    ((False, False, " Medical Center"), (False, False, " University Hospital")),
    ((False, False, " Ventures"), (False, False, " Capital")),
    ((False, False, " Innovation Agency"), (False, False, " Development Board")),
    ((False, False, " Accelerator"), (False, False, " Labs")),
    ((False, False, " Foundation"), (False, False, " Cluster")),
)
_OPENERS: tuple[tuple[tuple[str, str], ...], ...] = (
    (("A startup working on ", " in "), ("An early-stage venture in ", " from ")),
    (("A small company specialising in ", ", based in "), ("An SME active in ", " in ")),
    (("A company working in ", ", headquartered in "), ("A mid-sized firm focused on ", " in ")),
    (("A large company whose ", " division is based in "), ("A major manufacturer in ", " with a plant in ")),
    (("A multinational group whose ", " unit operates in "), ("A global company with research in ",
                                                               " at its site in ")),
    (("A university with strong research groups in ", ", located in "),
     ("A research university known for ", ", based in ")),
    (("An applied research institute for ", " in "), ("A public research centre working on ", " in ")),
    (("A university hospital with clinical research in ", ", located in "),
     ("A teaching hospital running studies in ", " in ")),
    (("A venture investor backing ", " companies from "), ("An investment fund focused on ", ", based in ")),
    (("A public agency promoting ", " innovation in "), ("An economic development agency supporting ",
                                                         " firms in ")),
    (("An accelerator for ", " startups in "), ("An incubator hosting ", " ventures in ")),
    (("An association connecting ", " organisations in "), ("A non-profit active in ", " in ")),
)
_FOCUS_SENTENCES = (("Its main focus is ", "."), ("Most of its work addresses ", "."),
                    ("It is best known in ", "."))
_SECTOR_WORDS: dict[str, tuple[str, str]] = {
    "therapeutics": ("Therapeutics", "Pharma"), "antibody_drug_conjugates": ("Conjugates", "Oncology"),
    "biologics": ("Biologics", "Bio"), "bioprocessing_cdmo": ("Bioprocessing", "BioManufacturing"),
    "diagnostics": ("Diagnostics", "Dx"), "medical_devices": ("Medical", "MedTech"),
    "digital_health": ("Health", "Care"), "aerospace": ("Aerospace", "Space"),
    "semiconductors": ("Semiconductor", "Micro"), "ai": ("AI", "Analytics"),
    "robotics": ("Robotics", "Automation"), "quantum": ("Quantum", "Quantum Systems"),
    "advanced_materials": ("Materials", "Advanced Materials"), "energy": ("Energy", "Power"),
}
_NAME_HEADS = ("Nova", "Astra", "Helix", "Kite", "Vanta", "Orion", "Lumen", "Cera", "Zeni", "Terra",
               "Aero", "Quanta", "Vita", "Geno", "Neura", "Opti", "Pulsa", "Sola", "Cyto", "Axio",
               "Hanbit", "Saerom", "Mirae", "Gaon", "Ruhra", "Emsa", "Alba", "Marbe", "Cascada", "Rainie",
               "Bow", "Chinook", "Potoma", "Rockvi", "Vela", "Kora", "Lyra", "Tessa", "Ivo", "Sira")
_NAME_TAILS = ("gen", "tek", "ra", "via", "lytics", "nex", "bit", "core", "ion", "is", "on", "ex",
               "ara", "ium", "ico", "yx", "wave", "path", "sys", "form", "logic", "mind", "cell", "ly", "o")

# Planting: pairing rounds over the candidates left, pairs per focus at most (each reserves an exchange that
# nobody else may hold; beyond a few hundred per focus the others lose needs), and redraws of a capability
# that breaks the rules.
_PAIRING_ROUNDS = 12
_MAX_PAIRS_PER_FOCUS = 400
_REDRAWS = 60
_CHUNK = 1 << 14
_SLOTS = 3  # at most three capabilities offered and three needed
_SLOT_SHARE = (0.45, 0.35, 0.2)
# Partnership history: share of complementary, same-sector and random pairs, and the kinds each gets.
_HISTORY_MIX = (0.5, 0.35, 0.15)
_KIND_BY_CAPABILITY = {  # capability kind -> {partnership kind: share}
    "tech": {"supply": 0.35, "co_research": 0.3, "licensing": 0.2, "customer": 0.15},
    "clinical": {"co_research": 1.0},
    "funding": {"investment": 1.0},
    "support": {"mou": 0.5, "visit": 0.5},
    "dealflow": {"investment": 1.0},
}
_KIND_BY_SECTOR = {"co_research": 0.45, "mou": 0.25, "visit": 0.15, "joint_venture": 0.15}


@dataclass(frozen=True, eq=False)
class SyntheticData:
    """A synthetic population and what we know about it.

    Attributes:
        profiles: One row per organisation, columns :data:`matcher.schema.PROFILE_COLUMNS`, list columns as
            tuples of str, canonical vocabularies.
        partnerships: Known history, columns :data:`matcher.schema.PARTNERSHIP_COLUMNS`.
        truth: The planted pairs that fit both ways, columns :data:`TRUTH_COLUMNS`, one row per pair
            (``source_id`` < ``target_id``): ``source_id`` offers ``source_offers``, which ``target_id``
            needs, and ``target_id`` offers ``target_offers``, which ``source_id`` needs; same focus, other
            city. No other pair fits both ways, and none is in ``partnerships``.
        capabilities: The latent side of each profile, columns :data:`CAPABILITY_COLUMNS`: its ``focus``
            (one of :data:`FOCI`) and the keys of the :data:`CATALOGUE` capabilities it ``offers`` and
            ``needs`` (tuples).
    """

    profiles: pd.DataFrame
    partnerships: pd.DataFrame
    truth: pd.DataFrame
    capabilities: pd.DataFrame


class _Choice(NamedTuple):
    """Rows of categorical distributions, laid out so that one ``searchsorted`` draws for every row."""

    thresholds: np.ndarray  # row r's cumulative probabilities plus r, all rows end to end
    first: np.ndarray  # first and last category with a positive weight, per row
    last: np.ndarray
    width: int


def _choice(weights: np.ndarray | Sequence[Any]) -> _Choice:
    """Builds a :class:`_Choice` from rows of non-negative weights (each row with a positive one)."""
    w = np.atleast_2d(np.asarray(weights, dtype=float))
    cum = np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True)
    positive = w > 0
    last = w.shape[1] - 1 - np.argmax(positive[:, ::-1], axis=1)
    return _Choice((cum + np.arange(len(w))[:, None]).ravel(), np.argmax(positive, axis=1), last, w.shape[1])


def _draw(rng: np.random.Generator, choice: _Choice, rows: np.ndarray | int) -> np.ndarray:
    """Draws one category per row from distribution ``rows[i]``, or ``rows`` times from the only one."""
    rows = np.zeros(rows, dtype=np.int64) if isinstance(rows, int) else rows
    position = np.searchsorted(choice.thresholds, rows + rng.random(len(rows)), side="right")
    # Clipping guards the row edges against rounding, so a zero-weight category is never drawn.
    return np.clip(position - rows * choice.width, choice.first[rows], choice.last[rows])


class _Flat(NamedTuple):
    """Variable-length groups laid end to end, to pick one item of a given group per row."""

    items: list[Any]
    start: np.ndarray
    length: np.ndarray

    @classmethod
    def of(cls, groups: Iterable[Sequence[Any]]) -> _Flat:
        lists = [list(g) for g in groups]
        length = np.array([len(g) for g in lists], dtype=np.int64)
        return cls([item for g in lists for item in g], np.cumsum(length) - length, length)

    def objects(self) -> np.ndarray:
        """The items as an object array (tuples stay tuples)."""
        return _objects(self.items, len(self.items))

    def pick(self, rng: np.random.Generator, group: np.ndarray) -> np.ndarray:
        """For every row, the index into ``items`` of a uniformly chosen item of group ``group[i]``."""
        return self.start[group] + (rng.random(len(group)) * self.length[group]).astype(np.int64)


def _objects(items: Iterable[Any], count: int) -> np.ndarray:
    """An object array holding each item as one element (tuples stay tuples)."""
    return np.fromiter(items, dtype=object, count=count)


# Strings are assembled with Arrow kernels: pandas stores its "str" dtype in Arrow, and Python-level
# concatenation of millions of strings costs more than everything else together.
def _take(table: pa.Array, index: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """``table[index]``, null where ``valid`` is False."""
    return table.take(pa.array(index, mask=None if valid is None else ~valid))


def _concat(*parts: pa.Array | str) -> pa.Array:
    """Concatenates strings row by row; null parts count as empty."""
    # null_handling="skip" would be neater, but pyarrow 26 drops the rows where every part is null.
    return pc.binary_join_element_wise(*parts, "", null_handling="replace", null_replacement="")


def _prefixed(prefix: str, values: pa.Array, suffix: str = "") -> pa.Array:
    """``prefix + value + suffix`` per row; null stays null."""
    return pc.binary_join_element_wise(prefix, values, suffix, "", null_handling="emit_null")


def _capitalise(phrase: str) -> str:
    """Upper-cases the first letter unless the phrase starts with a mixed-case term such as 'mRNA'."""
    return phrase if len(phrase) > 1 and phrase[1].isupper() else phrase[:1].upper() + phrase[1:]


class _Tables(NamedTuple):
    """Lookup tables derived once from the catalogue and the vocabularies."""

    cap_keys: np.ndarray
    cap_kind: np.ndarray
    cap_sector: np.ndarray
    group_caps: np.ndarray  # (sector * len(KINDS) + kind, widest group) capability indices, -1 padded
    offers: _Flat  # rendered offer sentences, one group per capability
    needs: _Flat
    related: np.ndarray  # (sectors, sectors) 0/1
    sector_tuples: np.ndarray  # primary * (S + 1) + secondary (S for none) -> tuple of sector names
    sector_phrases: list[str]  # same index -> "AI and robotics"


@cache
def _tables() -> _Tables:
    n_sectors, n_kinds = len(SECTORS), len(KINDS)
    cap_sector = np.array([SECTORS.index(c.sector) for c in CATALOGUE])
    cap_kind = np.array([KINDS.index(c.kind) for c in CATALOGUE])
    group = cap_sector * n_kinds + cap_kind
    group_caps = np.full((n_sectors * n_kinds, np.bincount(group).max()), -1)
    for g in range(n_sectors * n_kinds):
        members = np.flatnonzero(group == g)
        group_caps[g, : len(members)] = members
    offers = _Flat.of([t.format(p=p, P=_capitalise(p)) for p in c.offers for t in _OFFER_TEMPLATES]
                      for c in CATALOGUE)
    needs = _Flat.of([t.format(p=p, P=_capitalise(p)) for p in c.needs for t in _NEED_TEMPLATES]
                     for c in CATALOGUE)
    related = np.zeros((n_sectors, n_sectors))
    for sector, others in _RELATED.items():
        related[SECTORS.index(sector), [SECTORS.index(o) for o in others]] = 1
    combos = [(first,) if second in (None, first) else (first, second)
              for first in SECTORS for second in (*SECTORS, None)]
    return _Tables(
        cap_keys=np.array([c.key for c in CATALOGUE], dtype=object),
        cap_kind=cap_kind,
        cap_sector=cap_sector,
        group_caps=group_caps,
        offers=offers,
        needs=needs,
        related=related,
        sector_tuples=_objects(combos, len(combos)),
        sector_phrases=[" and ".join(_SECTOR_SHORT[s] for s in combo) for combo in combos],
    )


def _draw_capability(rng: np.random.Generator, cap_cum: _Choice, kind_cum: _Choice,
                     orgs: dict[str, np.ndarray], rows: np.ndarray, need: bool, wide: bool = False) -> np.ndarray:
    """Draws one capability for each organisation in ``rows``: a kind for its type, a sector, a capability.

    Offers come from the organisation's own sectors; technical needs (any need if ``wide``) half the time
    from a related sector. Kinds a sector lacks (clinical outside bio) fall back to technical.
    """
    t = _tables()
    primary, secondary = orgs["primary"][rows], orgs["secondary"][rows]
    kind = _draw(rng, kind_cum, orgs["org_type"][rows])
    sector = np.where((secondary >= 0) & (rng.random(len(rows)) < 0.5), secondary, primary)
    if need:
        related = _draw(rng, _choice(t.related), primary)
        sector = np.where(((kind == 0) | wide) & (rng.random(len(rows)) < 0.5), related, sector)
    kind = np.where(t.group_caps[sector * len(KINDS) + kind, 0] >= 0, kind, 0)
    group = sector * len(KINDS) + kind
    return t.group_caps[group, _draw(rng, cap_cum, group)]


class _Rules(NamedTuple):
    """Which (offer, need) combinations an organisation may hold, so that only planted pairs fit both ways.

    Two organisations fit both ways when one offers ``x`` and needs ``y`` and the other offers ``y`` and needs
    ``x``. Per focus, ``allowed`` lets exactly one of ``x -> y`` and ``y -> x`` be held (a tournament), so two
    organisations that follow it never do. A planted pair breaks it once, on its own exchange, which is
    reserved: nobody else may hold either direction of it.
    """

    allowed: np.ndarray  # (focus, offered capability, needed capability) -> bool
    reserved: np.ndarray  # sorted keys (focus * C + min(x, y)) * C + max(x, y) of the planted exchanges

    def blocked(self, focus: np.ndarray, offer: np.ndarray, need: np.ndarray) -> np.ndarray:
        """Whether holding ``offer`` with ``need`` breaks the rules (element-wise, broadcast)."""
        return ~self.allowed[focus, offer, need] | _isin_sorted(_exchange_key(focus, offer, need), self.reserved)


def _exchange_key(focus: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """One key per focus and unordered pair of capabilities, as :attr:`_Rules.reserved` holds them."""
    c = len(CATALOGUE)
    return (focus * c + np.minimum(x, y)) * c + np.maximum(x, y)


def _orientation(rng: np.random.Generator) -> np.ndarray:
    """The tournament of :class:`_Rules`: for each focus, a random direction per pair of capabilities.

    Funding and support are always held with a need for deal flow (investors, accelerators), never the other
    way round, so those organisations always find a need; the rest is a coin flip.
    """
    c, kind = len(CATALOGUE), _tables().cap_kind
    upper = np.triu(np.ones((c, c), dtype=bool), 1)
    heads = rng.random((len(FOCI), c, c)) < 0.5
    allowed = (heads & upper) | np.swapaxes(~heads & upper, 1, 2)
    givers = np.isin(kind, [KINDS.index("funding"), KINDS.index("support")])
    deals = kind == KINDS.index("dealflow")
    allowed[:, givers[:, None] & deals[None, :]] = True
    allowed[:, deals[:, None] & givers[None, :]] = False
    return allowed


def _compact(slots: np.ndarray) -> np.ndarray:
    """Moves the valid slots (>= 0) of each row to the front, keeping their order; -1 after."""
    order = np.argsort(slots < 0, axis=1, kind="stable")
    return np.take_along_axis(slots, order, axis=1)


def _draw_slots(rng: np.random.Generator, cap_cum: _Choice, kind_cum: _Choice, orgs: dict[str, np.ndarray],
                rules: _Rules | None = None, fixed: np.ndarray | None = None) -> np.ndarray:
    """Draws 1-3 distinct capabilities per organisation, offers or (with ``rules``) needs; valid first, -1 after.

    A draw that repeats a slot, or for a need is offered or breaks ``rules`` with one of the organisation's
    offers, is drawn again (up to ``_REDRAWS`` times, then the slot stays empty); after half of them a need
    of any kind may come from a related sector, as an investor in one sector can find no other. ``fixed``
    (-1: none) is a need already planted in the first slot.
    """
    n = len(orgs["primary"])
    wanted = np.arange(_SLOTS) < (_draw(rng, _choice(_SLOT_SHARE), n) + 1)[:, None]
    slots = np.full((n, _SLOTS), -1, dtype=np.int64)
    if fixed is not None:
        slots[:, 0] = fixed
    for j in range(_SLOTS):
        rows = np.flatnonzero(wanted[:, j] & (slots[:, j] < 0))
        for attempt in range(_REDRAWS):
            if not len(rows):
                break
            caps = _draw_capability(rng, cap_cum, kind_cum, orgs, rows, rules is not None, 2 * attempt >= _REDRAWS)
            bad = (slots[rows, :j] == caps[:, None]).any(axis=1)
            if rules is not None:
                offers = orgs["offers"][rows]
                bad |= ((offers >= 0) & rules.blocked(orgs["focus"][rows, None], offers, caps[:, None])).any(axis=1)
            slots[rows[~bad], j] = caps[~bad]
            rows = rows[bad]
    if rules is not None:
        empty = np.flatnonzero((slots < 0).all(axis=1))
        for lo in range(0, len(empty), _CHUNK):  # bounds the (rows, C, slots) arrays of the search
            slots[empty[lo : lo + _CHUNK], 0] = _allowed_need(rng, orgs, rules, empty[lo : lo + _CHUNK])
    return _compact(slots)


def _allowed_need(rng: np.random.Generator, orgs: dict[str, np.ndarray], rules: _Rules,
                  rows: np.ndarray) -> np.ndarray:
    """A need the rules allow for each organisation in ``rows``, preferring kinds its type needs; -1 if none.

    For the few the random draws leave without a need (at large n many exchanges are planted, hence
    reserved); the choice is among every capability of the catalogue, so it costs ``len(rows) * C``.
    """
    c = len(CATALOGUE)
    caps = np.arange(c)
    offers = orgs["offers"][rows][:, :, None]
    blocked = ((offers >= 0) & rules.blocked(orgs["focus"][rows, None, None], offers, caps)).any(axis=1)
    typed = np.asarray(_NEED_KINDS)[orgs["org_type"][rows][:, None], _tables().cap_kind] > 0
    score = np.where(blocked, -1.0, typed + rng.random((len(rows), c)))
    best = score.argmax(axis=1)
    return np.where(score[np.arange(len(rows)), best] >= 0, best, -1)


def _draw_orgs(rng: np.random.Generator, n: int, alliance_share: float) -> tuple[dict[str, np.ndarray], _Choice]:
    """Draws the latent organisations but their needs: type, city, sectors, focus, founding year and offers.

    Returns the organisations and the popularity of each capability as a need, for :func:`_draw_slots`.
    """
    t = _tables()
    n_sectors, n_types, n_cities = len(SECTORS), len(ORG_TYPES), len(_CITIES)
    n_alliance = len(ALLIANCE_CITIES)
    city_w = np.concatenate([alliance_share * np.array(_ALLIANCE_WEIGHTS) / sum(_ALLIANCE_WEIGHTS),
                             np.full(n_cities - n_alliance, (1 - alliance_share) / (n_cities - n_alliance))])
    org_type = _draw(rng, _choice(_TYPE_SHARE), n)
    city = _draw(rng, _choice(city_w), n)

    # Cities favour their specialities; hospitals work in clinical sectors only.
    favoured = np.ones((n_cities, n_sectors))
    for c, (_, sectors) in enumerate(_CITIES.values()):
        favoured[c, [SECTORS.index(s) for s in sectors]] = 3.0
    allowed = np.ones((n_types, n_sectors), dtype=bool)
    allowed[ORG_TYPES.index("hospital")] = [s in BIO_SECTORS and s != "bioprocessing_cdmo" for s in SECTORS]
    sector_w = (favoured[:, None, :] * allowed[None, :, :]).reshape(-1, n_sectors)
    primary = _draw(rng, _choice(sector_w), city * n_types + org_type)
    secondary = np.where(rng.random(n) < 0.35, _draw(rng, _choice(t.related), primary), -1)
    secondary[(secondary >= 0) & ~allowed[org_type, np.maximum(secondary, 0)]] = -1
    bio = np.isin(primary, [SECTORS.index(s) for s in BIO_SECTORS])
    half = len(FOCI) // 2
    focus = np.where(bio, 0, half) + rng.integers(0, half, n)
    lo, hi = np.array(_FOUNDED).T
    founded = np.where(rng.random(n) < 0.05, -1, rng.integers(lo[org_type], hi[org_type] + 1))
    orgs = {"org_type": org_type, "city": city, "primary": primary, "secondary": secondary, "focus": focus,
            "founded": founded}

    # Popularity differs between offering and needing, so some capabilities are scarce and sought after.
    pads = t.group_caps < 0
    cum = {}
    for role in ("offers", "needs"):
        w = np.where(pads, 0.0, rng.gamma(2.0, 1.0, len(CATALOGUE))[t.group_caps])
        w[pads.all(axis=1), 0] = 1.0  # groups without capabilities are never drawn; keep their rows valid
        cum[role] = _choice(w)
    orgs["offers"] = _draw_slots(rng, cum["offers"], _choice(_OFFER_KINDS), orgs)
    return orgs, cum["needs"]


def _flat_slots(slots: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(organisation, capability) for every valid slot, organisation by organisation."""
    org, slot = np.nonzero(slots >= 0)
    return org, slots[org, slot]


def _providers(rng: np.random.Generator, orgs: dict[str, np.ndarray]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Providers grouped by capability, in random order: (organisations, start per capability, count)."""
    org, cap = _flat_slots(orgs["offers"])
    shuffle = rng.permutation(len(cap))
    order = shuffle[np.argsort(cap[shuffle].astype(np.int16), kind="stable")]  # int16: a radix sort
    count = np.bincount(cap, minlength=len(CATALOGUE))
    return org[order], np.cumsum(count) - count, count


def _plausible_need(orgs: dict[str, np.ndarray], rows: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Whether organisation ``rows[i]`` could draw ``caps[i]`` as a need (kind for its type, sector) and
    does not offer it."""
    t = _tables()
    kind, sector = t.cap_kind[caps], t.cap_sector[caps]
    primary = orgs["primary"][rows]
    own = (sector == primary) | (sector == orgs["secondary"][rows])
    related = (kind == KINDS.index("tech")) & (t.related[primary, sector] > 0)
    typed = np.asarray(_NEED_KINDS)[orgs["org_type"][rows], kind] > 0
    return typed & (own | related) & ~(orgs["offers"][rows] == caps[:, None]).any(axis=1)


def _exchange(orgs: dict[str, np.ndarray], giver: np.ndarray, taker: np.ndarray) -> np.ndarray:
    """For each pair, the first of ``giver``'s offers that ``taker`` could need; -1 if none."""
    offers = orgs["offers"][giver]
    fits = np.stack([(offers[:, j] >= 0) & _plausible_need(orgs, taker, np.maximum(offers[:, j], 0))
                     for j in range(_SLOTS)], axis=1)
    return np.where(fits.any(axis=1), offers[np.arange(len(giver)), fits.argmax(axis=1)], -1)


def _plant_pairs(rng: np.random.Generator, orgs: dict[str, np.ndarray], share: float
                 ) -> tuple[_Rules, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Plants the reciprocal pairs and returns the rules every other combination must follow.

    Candidates are alliance organisations, ``share`` of all organisations on average. Each round sorts the
    candidates left by focus at random and pairs neighbours; a pair is kept when both have the same focus, are
    in different cities, each offers something the other could need (drawn as usual for its type and
    sectors), no earlier pair uses the same exchange in that focus, and the focus has fewer than
    ``_MAX_PAIRS_PER_FOCUS`` pairs. Each organisation is in at most one pair. The pair's other offers that
    would break the rules with its planted need are dropped.

    Returns:
        The rules; ``a``, ``b``, ``x``, ``y`` per pair (``a`` offers ``x``, which ``b`` needs; ``b`` offers
        ``y``, which ``a`` needs); the needs are not in ``orgs`` yet.
    """
    n = len(orgs["primary"])
    focus, city = orgs["focus"], orgs["city"]
    alliance = city < len(ALLIANCE_CITIES)
    pool = np.flatnonzero(alliance & (rng.random(n) * max(alliance.mean(), 1e-9) < share))
    reserved = np.empty(0, np.int64)
    room = np.full(len(FOCI), _MAX_PAIRS_PER_FOCUS)
    parts: list[tuple[np.ndarray, ...]] = []
    for _ in range(_PAIRING_ROUNDS):
        order = pool[np.lexsort((rng.random(len(pool)), focus[pool]))]
        a, b = order[0 : len(order) - 1 : 2], order[1::2]
        x, y = _exchange(orgs, a, b), _exchange(orgs, b, a)
        key = _exchange_key(focus[a], x, y)
        ok = (focus[a] == focus[b]) & (city[a] != city[b]) & (x >= 0) & (y >= 0) & ~_isin_sorted(key, reserved)
        kept = np.flatnonzero(ok)
        kept = kept[np.unique(key[kept], return_index=True)[1]]  # one pair per exchange
        kept = kept[rng.permutation(len(kept))]
        by_focus = np.argsort(focus[a[kept]], kind="stable")
        f = focus[a[kept[by_focus]]]
        rank = np.arange(len(f)) - np.searchsorted(f, f)  # place among this round's pairs of its focus
        kept = np.sort(kept[by_focus[rank < room[f]]])
        if not len(kept):
            continue
        room -= np.bincount(focus[a[kept]], minlength=len(FOCI))
        parts.append((a[kept], b[kept], x[kept], y[kept]))
        reserved = _sorted_unique(np.concatenate([reserved, key[kept]]))
        pool = np.setdiff1d(pool, np.concatenate([a[kept], b[kept]]), assume_unique=True)
    rules = _Rules(_orientation(rng), reserved)
    if not parts:
        return (rules, *(np.empty(0, np.int64) for _ in range(4)))  # type: ignore[return-value]
    a, b, x, y = (np.concatenate(p) for p in zip(*parts, strict=True))
    # The planted offer stays; any other offer held with the planted need would be a second exchange.
    for org, given, needed in ((a, x, y), (b, y, x)):
        offers = orgs["offers"][org]
        drop = (offers >= 0) & (offers != given[:, None]) & rules.blocked(focus[org, None], offers, needed[:, None])
        orgs["offers"][org] = _compact(np.where(drop, -1, offers))
    return rules, a, b, x, y


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    keys = np.sort(keys)
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if len(keys) else keys


def _isin_sorted(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """``np.isin`` against an already sorted array (binary search; much faster at millions of keys)."""
    if not len(sorted_keys):
        return np.zeros(np.shape(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


def _history(rng: np.random.Generator, orgs: dict[str, np.ndarray], providers: tuple[np.ndarray, ...], m: int,
             truth_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Known partnerships: (source, target, kind index, year), ``m`` of them unless n is too small.

    Pairs are distinct regardless of order and never a truth pair (sorted ``truth_keys``: ``min * n + max``).
    """
    n = len(orgs["primary"])
    provider, start, count = providers
    need_org, need_cap = _flat_slots(orgs["needs"])
    by_sector = np.argsort(orgs["primary"], kind="stable")
    s_count = np.bincount(orgs["primary"], minlength=len(SECTORS))
    s_start = np.cumsum(s_count) - s_count
    kinds = list(PARTNERSHIP_KINDS)
    by_capability = _choice([[_KIND_BY_CAPABILITY[k].get(p, 0) for p in kinds] for k in KINDS])
    by_sector_kind = _choice([_KIND_BY_SECTOR.get(p, 0) for p in kinds])
    cap_kind = _tables().cap_kind

    accepted = np.empty(0, np.int64)
    parts: list[tuple[np.ndarray, ...]] = []
    while (missing := m - sum(len(part[0]) for part in parts)) > 0:
        size = int(missing * 1.3) + 16
        mechanism = _draw(rng, _choice(_HISTORY_MIX), size)
        e = rng.integers(0, len(need_org), size)  # complementary: a need and any provider of it
        c = need_cap[e]
        a_c = need_org[e]
        b_c = np.where(count[c] > 0, provider.take(start[c] + (rng.random(size) * count[c]).astype(np.int64),
                                                   mode="clip"), a_c)
        a_s = rng.integers(0, n, size)  # same sector
        ps = orgs["primary"][a_s]
        b_s = by_sector[s_start[ps] + (rng.random(size) * s_count[ps]).astype(np.int64)]
        a_r, b_r = rng.integers(0, n, size), rng.integers(0, n, size)  # noise
        a = np.choose(mechanism, [a_c, a_s, a_r])
        b = np.choose(mechanism, [b_c, b_s, b_r])
        kind = np.choose(mechanism, [_draw(rng, by_capability, cap_kind[c]), _draw(rng, by_sector_kind, size),
                                     rng.integers(0, len(kinds), size)])
        key = np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)
        fresh = np.flatnonzero((a != b) & ~_isin_sorted(key, truth_keys) & ~_isin_sorted(key, accepted))
        order = fresh[np.argsort(key[fresh], kind="stable")]
        first = np.sort(order[np.concatenate([[True], key[order[1:]] != key[order[:-1]]])] if len(order)
                        else order)[:missing]
        if not len(first):
            break
        accepted = np.sort(np.concatenate([accepted, key[first]]))
        parts.append((a[first], b[first], kind[first]))
    if not parts:
        return tuple(np.empty(0, np.int64) for _ in range(4))  # type: ignore[return-value]
    src, tgt, kind = (np.concatenate(p) for p in zip(*parts, strict=True))
    founded = np.maximum(orgs["founded"], 0)
    earliest = np.maximum(np.maximum(founded[src], founded[tgt]), 1990)
    year = np.maximum(REFERENCE_YEAR - rng.exponential(6.0, len(src)).astype(np.int64), earliest)
    return src, tgt, kind, year


def _attributes(rng: np.random.Generator, orgs: dict[str, np.ndarray]) -> dict[str, Any]:
    """Draws the observable attributes: name, place, sectors, size, stage, tags, technologies, languages."""
    t = _tables()
    n = len(orgs["primary"])
    org_type, primary, city = orgs["org_type"], orgs["primary"], orgs["city"]
    codes = [country for country, _ in _CITIES.values()]
    n_sectors = len(SECTORS)
    combo = primary * (n_sectors + 1) + np.where(orgs["secondary"] >= 0, orgs["secondary"], n_sectors)

    head = rng.integers(0, len(_NAME_HEADS), n)
    tail = pa.array(_NAME_TAILS).take(rng.integers(0, len(_NAME_TAILS), n))
    words = _Flat.of(_SECTOR_WORDS[s] for s in SECTORS)
    ending = _Flat.of(_NAME_ENDINGS)
    ends = ending.pick(rng, org_type)
    with_sector, with_legal = (np.array([e[i] for e in ending.items])[ends] for i in (0, 1))
    name = _concat(
        pa.array(_NAME_HEADS).take(head), tail,
        _take(pa.array([" " + w for w in words.items]), words.pick(rng, primary), with_sector),
        _take(pa.array([" " + _COUNTRY[c][0] for c in codes]), city, with_legal),
        pa.array([e[2] for e in ending.items]).take(ends),
    )
    website = _concat("https://www.", pa.array([h.lower() for h in _NAME_HEADS]).take(head), tail, ".",
                      pa.array([_COUNTRY[c][2] for c in codes]).take(city))
    website = pc.if_else(pa.array(rng.random(n) < 0.1), pa.scalar(None, pa.string()), website)

    employees = np.maximum(1, np.rint(np.array(_EMPLOYEES)[org_type] * rng.lognormal(0.0, 0.9, n)))
    employees = np.where(rng.random(n) < 0.1, -1, employees).astype(np.int64)
    stage = _draw(rng, _choice(_STAGE_SHARE), org_type)

    empty = _objects(((),) * n, n)
    tags = _Flat.of([(tag,) for tag in _TAGS[s]] for s in SECTORS)
    tags_col = np.where(rng.random(n) < 0.25, tags.objects()[tags.pick(rng, primary)], empty)
    pairs = _Flat.of([(x, y) for i, x in enumerate(_TECHNOLOGIES[s]) for y in _TECHNOLOGIES[s][i + 1 :]]
                     for s in SECTORS)
    singles = _Flat.of([(x,) for x in _TECHNOLOGIES[s]] for s in SECTORS)
    how_many = _draw(rng, _choice((0.3, 0.4, 0.3)), n)
    technologies = np.choose(how_many, [empty, singles.objects()[singles.pick(rng, primary)],
                                        pairs.objects()[pairs.pick(rng, primary)]])
    languages = _objects((_COUNTRY[c][1] for c in codes), len(codes))[city]
    languages = np.where(rng.random(n) < 0.1, empty, languages)
    restricted = tuple(f for f in PUBLIC_BY_DEFAULT if f not in ("website", "technologies"))
    minimal = ("id", "name", "org_type", "city", "country", "sectors", "description")
    public = _objects(((), restricted, minimal), 3)[_draw(rng, _choice((0.85, 0.1, 0.05)), n)]
    return {
        "name": name, "org_type": pa.array(ORG_TYPES).take(org_type),
        "city": pa.array(list(_CITIES)).take(city), "country": pa.array(codes).take(city),
        "sectors": t.sector_tuples[combo],
        "sector_phrase": pa.array(t.sector_phrases).take(combo), "tags": tags_col, "website": website,
        "employees": employees, "stage": _take(pa.array([*STAGES, ""]), stage, stage < len(STAGES)),
        "technologies": technologies, "languages": languages, "public_fields": public,
    }


def _texts(rng: np.random.Generator, orgs: dict[str, np.ndarray], attrs: dict[str, Any]
           ) -> dict[str, pa.Array]:
    """Writes offers, seeks and description from the latent draws and the attributes."""
    t = _tables()
    n = len(orgs["primary"])
    texts = {}
    for column, role, flat in (("offers", "offers", t.offers), ("seeks", "needs", t.needs)):
        slots = orgs[role]
        sentences = pa.array(flat.items)
        parts = [_take(sentences, flat.pick(rng, np.maximum(slots[:, j], 0)), slots[:, j] >= 0)
                 for j in range(_SLOTS)]
        # Slots are filled from the left, so a sentence after the first always follows another one.
        texts[column] = _concat(_prefixed("", parts[0], "."),
                                *(_prefixed(" ", part, ".") for part in parts[1:]))
    foci = pa.array(FOCI).take(orgs["focus"])
    with_focus = _take(pa.array(FOCI), orgs["focus"], rng.random(n) < 0.5)
    texts["seeks"] = _concat(texts["seeks"], _prefixed(" Our focus is ", with_focus, "."))

    variant = rng.integers(0, 2, n)
    openers = _Flat.of(_OPENERS)
    opener = openers.start[orgs["org_type"]] + variant
    sentences = _Flat.of(_SECTOR_SENTENCES[s] for s in SECTORS)
    focus_style = rng.integers(0, len(_FOCUS_SENTENCES), n)
    founded = orgs["founded"]
    staff = attrs["employees"]
    texts["description"] = _concat(
        pa.array([o[0] for o in openers.items]).take(opener), attrs["sector_phrase"],
        pa.array([o[1] for o in openers.items]).take(opener), attrs["city"], ". ",
        pa.array(sentences.items).take(sentences.pick(rng, orgs["primary"])), " ",
        pa.array([f[0] for f in _FOCUS_SENTENCES]).take(focus_style), foci,
        pa.array([f[1] for f in _FOCUS_SENTENCES]).take(focus_style),
        _prefixed(" Founded in ", pc.cast(pa.array(founded, mask=(founded < 0) | (rng.random(n) < 0.5)),
                                          pa.string()), "."),
        _prefixed(" About ", pc.cast(pa.array(staff, mask=(staff < 0) | (rng.random(n) < 0.5)), pa.string()),
                  " employees."),
    )
    return texts


def _row_tuples(keys: np.ndarray, slots: np.ndarray) -> np.ndarray:
    """Turns (n, _SLOTS) capability indices, valid first and -1 after, into one tuple of keys per row."""
    out = np.empty(len(slots), dtype=object)
    count = (slots >= 0).sum(axis=1)
    for c in range(_SLOTS + 1):
        rows = np.flatnonzero(count == c)
        columns = [keys[slots[rows, j]] for j in range(c)]
        out[rows] = _objects(zip(*columns, strict=True) if c else (() for _ in rows), len(rows))
    return out


def _str(values: pa.Array) -> pd.Series:
    return pd.Series(values, dtype="str")


def generate(
    n: int,
    seed: int = 0,
    *,
    partnerships_per_org: float = 2.0,
    planted_share: float = 0.6,
    alliance_share: float = 0.8,
) -> SyntheticData:
    """Generates ``n`` synthetic organisations, their partnership history and the planted truth.

    The same arguments give identical frames. Generation is vectorised: 1,000,000 profiles take about a
    minute and 1.5 GB on one core (see ``bench/RESULTS.md``).

    Args:
        n: Number of organisations, at least 1. Ids are ``syn-`` and the number, zero-padded to n's width.
        seed: Non-negative random seed.
        partnerships_per_org: Average number of partnerships each organisation takes part in; the history
            holds ``round(n * partnerships_per_org / 2)`` pairs (fewer only when n is too small to hold that
            many distinct pairs outside the truth).
        planted_share: Share of all organisations drawn as candidates for planted pairs, all in the alliance
            (so at most its share); about 80% of them end up in a pair at n = 1,000 (241 pairs at seed 0),
            and there are at most 4,800 pairs in all (400 per focus).
        alliance_share: Share of organisations in the six alliance places; the rest are in other hubs.

    Returns:
        The profiles, partnerships, truth and latent capabilities.

    Raises:
        ValueError: If an argument is out of range.

    Example:
        >>> data = generate(50, seed=3, partnerships_per_org=1.0)
        >>> len(data.profiles), len(data.partnerships)
        (50, 25)
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    if not partnerships_per_org >= 0:
        raise ValueError(f"partnerships_per_org must be >= 0, got {partnerships_per_org!r}")
    if not 0 <= planted_share <= 1:
        raise ValueError(f"planted_share must be between 0 and 1, got {planted_share!r}")
    if not 0 <= alliance_share <= 1:
        raise ValueError(f"alliance_share must be between 0 and 1, got {alliance_share!r}")
    n = int(n)
    started = time.perf_counter()
    # One stream per stage, so that changing how one stage draws leaves the others as they were.
    rng_orgs, rng_attrs, rng_texts, rng_truth, rng_history = (
        np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(5)
    )
    orgs, need_choice = _draw_orgs(rng_orgs, n, alliance_share)
    rules, a, b, x, y = _plant_pairs(rng_truth, orgs, planted_share)
    fixed = np.full(n, -1, dtype=np.int64)
    fixed[a], fixed[b] = y, x
    orgs["needs"] = _draw_slots(rng_orgs, need_choice, _choice(_NEED_KINDS), orgs, rules, fixed)
    attrs = _attributes(rng_attrs, orgs)
    texts = _texts(rng_texts, orgs, attrs)
    logger.info("drew %d organisations and planted %d pairs in %.1f s", n, len(a), time.perf_counter() - started)

    # One row per pair, the lower index first.
    swap = a > b
    a, b, x, y = np.where(swap, b, a), np.where(swap, a, b), np.where(swap, y, x), np.where(swap, x, y)
    order = np.argsort(a, kind="stable")
    a, b, x, y = a[order], b[order], x[order], y[order]
    truth_keys = _sorted_unique(a.astype(np.int64) * n + b)
    h_src, h_tgt, h_kind, h_year = _history(rng_history, orgs, _providers(rng_truth, orgs),
                                              round(n * partnerships_per_org / 2), truth_keys)
    logger.info("drew %d partnerships in %.1f s", len(h_src), time.perf_counter() - started)

    numbers = pc.cast(pa.array(np.arange(1, n + 1)), pa.string())
    ids = _concat("syn-", pc.utf8_lpad(numbers, len(str(n)), "0"))
    t = _tables()
    employees, founded = attrs["employees"], orgs["founded"]
    strings = {"id": ids, **texts,
               **{k: attrs[k] for k in ("name", "org_type", "city", "country", "website", "stage")}}
    columns: dict[str, Any] = {
        **{k: _str(v) for k, v in strings.items()},
        **{k: attrs[k] for k in ("sectors", "tags", "technologies", "languages", "public_fields")},
        "employees": pd.arrays.IntegerArray(np.maximum(employees, 0), employees < 0),
        "founded": pd.arrays.IntegerArray(np.maximum(founded, 0).astype(np.int64), founded < 0),
    }
    profiles = pd.DataFrame({c: columns[c] for c in PROFILE_COLUMNS})
    partnerships = pd.DataFrame({
        "source_id": _str(ids.take(h_src)), "target_id": _str(ids.take(h_tgt)),
        "kind": _str(pa.array(PARTNERSHIP_KINDS).take(h_kind)), "year": pd.array(h_year, dtype="Int64"),
        "note": _str(pa.array([""]).take(np.zeros(len(h_src), np.int64))),
    }, columns=list(PARTNERSHIP_COLUMNS))
    keys = pa.array(t.cap_keys.tolist())
    truth = pd.DataFrame({
        "source_id": _str(ids.take(a)), "target_id": _str(ids.take(b)),
        "source_offers": _str(keys.take(x)), "target_offers": _str(keys.take(y)),
    }, columns=list(TRUTH_COLUMNS))
    capabilities = pd.DataFrame({
        "id": _str(ids), "focus": _str(pa.array(FOCI).take(orgs["focus"])),
        "offers": _row_tuples(t.cap_keys, orgs["offers"]), "needs": _row_tuples(t.cap_keys, orgs["needs"]),
    }, columns=list(CAPABILITY_COLUMNS))
    logger.info("generated %d profiles in %.1f s", n, time.perf_counter() - started)
    return SyntheticData(profiles, partnerships, truth, capabilities)


def write(data: SyntheticData, directory: Path) -> dict[str, Path]:
    """Writes the data as CSV files that ``matcher import profiles|partnerships`` reads.

    List columns are ``;``-joined. Besides ``profiles.csv``, ``partnerships.csv`` and ``truth.csv`` it writes
    ``capabilities.csv`` (each profile's focus and latent offers and needs, ``;``-joined) to score against.

    Args:
        data: What :func:`generate` returned.
        directory: Where to write; created if missing. Existing files are replaced.

    Returns:
        ``{"profiles": path, "partnerships": path, "truth": path, "capabilities": path}``.

    Example:
        >>> import tempfile
        >>> paths = write(generate(5), Path(tempfile.mkdtemp()))
        >>> sorted(paths)
        ['capabilities', 'partnerships', 'profiles', 'truth']
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    frames = {
        "profiles": data.profiles.assign(**{c: data.profiles[c].map(";".join) for c in LIST_COLUMNS}),
        "partnerships": data.partnerships,
        "truth": data.truth,
        "capabilities": data.capabilities.assign(**{c: data.capabilities[c].map(";".join)
                                                    for c in ("offers", "needs")}),
    }
    paths = {}
    for name, frame in frames.items():
        paths[name] = directory / f"{name}.csv"
        # Arrow's writer is ten times faster than DataFrame.to_csv; it quotes every string, which CSV allows.
        pacsv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), paths[name])
        logger.info("wrote %d rows to %s", len(frame), paths[name])
    return paths
