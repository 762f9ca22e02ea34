"""The app's words: page intro, plain-language help and the "Model & assumptions" text.

Kept apart from layout so the wording can be reviewed in one place. Figures quoted here
come from ``/docs`` (the engine's reference and background pages), which cite sources.
"""

from __future__ import annotations

import re

TITLE = "IoT security updates: what-if simulator"

INTRO = (
    "The KPI is the **share of managed IoT devices updated within their deadline** "
    "(Excellent ≥ 95%, Good 80–94%, Poor < 80%). Move the levers on the left, the most effective first, "
    "to see where it goes and what it costs."
)

SIDEBAR_LEVERS = "Improvement levers"
SIDEBAR_LEVERS_HELP = "Each control starts at the loaded scenario's setting. Hover the ⓘ for what it means."

FIRST_LEVERS_NOTE = (
    "First, the levers with the largest effect on this scenario (each tried alone in simulated runs); "
    "the rest are in the list below."
)

TOP_LEVERS_NOTE = (
    "Each lever tried alone from the loaded file, {reps} simulated runs with the same random events, compared "
    "run by run (± the 95% interval); ranked by the change in the KPI averaged over the year."
)

SIMULATION_SETTINGS_HELP = {
    "replications": "How many simulated runs are averaged. More runs = smoother figures, slower page.",
    "seed": "Runs with the same seed see the same releases and failures, so two settings differ only by the levers.",
}

NO_LEVER_MOVED = (
    "Move a lever in the sidebar to see how much each change, on its own, moves the KPI "
    "(every change is simulated separately with the same random events, so the bars show the lever's effect, not luck)."
)

SENSITIVITY_NOTE = (
    "Each bar: the loaded scenario with only that lever changed, {reps} simulated runs with the same random events, "
    "compared run by run; the whisker is the 95% interval of the change, and a bar whose interval takes in zero "
    "says 'no clear effect'. Bars do not add up exactly: levers help each other (audits find what automation "
    "silently misses)."
)

COMPARE_HELP = (
    "Pick two or more scenario files (saved or uploaded). They run with the same seed and number of runs, "
    "so differences come from the files, not from chance."
)

SAVE_HELP = (
    "Saves the current lever settings and assumptions as a scenario file in the scenarios folder. "
    "The file name is made from the name you type."
)

UPLOAD_HELP = "A scenario file (.yaml, at most 1 MB). It is checked before use; nothing in it is run as code."

MECHANISMS = """
**What the simulator does.** Each simulated day, vendors release security updates for every kind of
device (cameras, controllers, sensors…), each with its own pace and severity mix. Every update has a
deadline (for example 14 days for critical, 90 for low). A device counts as *updated on time* when it has
installed every update whose deadline has passed. The KPI is the share of devices that are.

**How updates reach devices**
- *Approval.* Before an update rolls out it waits for approval. With a clear policy every department uses
  the same short delay; with an unclear one each department follows its own habits, some slow.
  With "critical updates first", critical fixes skip approval and jump the technicians' queue.
- *Central update management.* Enrolled devices update themselves over the air, in stages (a small group
  first). Installs sometimes fail. A failure that is noticed is retried, then handed to a technician; a
  *silent* failure leaves the device looking updated when it is not — a blind spot.
- *Technicians.* Devices that are not enrolled, failed installs and audit findings become tickets for a
  small team with a fixed number of hours a day. Untrained staff skip or botch some manual updates.
- *People.* Untrained staff switch off automatic updates on some devices every month.

**How problems are found**
- *Security audits* check part of the fleet at regular intervals and find most blind spots and switched-off
  devices; findings become tickets.
- *A reporting channel* lets staff report broken or switched-off updates as they notice them.
- *Training* cuts manual errors and switched-off updates, and makes reports more likely. Its effect fades
  over months unless refreshed.

**Money.** Programme cost adds up management fees per enrolled device, audits per device checked,
training per person, the reporting channel per month, and technician hours. Expected breach loss counts
each vendor release as a vulnerability, open from five days after its release (the average time to exploit)
on the share of its device class still lacking it; each open vulnerability brings a small yearly chance of a
breach by its severity; expected breaches × the cost of a breach is the loss.
"""

SOURCES = """
**Where the default figures come from** (details and full citations: the documentation pages below)
- KPI definition, bands and benchmarks (85% global average, 95% top quartile; illustrative, original
  report not traced): KPI Depot, *IoT Device Security Updates*.
- Deadlines of 14–30 days for critical and high updates: CISA BOD 22-01 and 19-02; PCI DSS v4.0.1.
- Staged rollouts, two days apart (the default 5% → 25% → 70% follows Mender's documented 5% → 15% → 80%
  and Memfault's canary-first stages).
- Training fades within about six months without reminders: Reinheimer et al., SOUPS 2020.
- Cost of a data breach, $4.44 M worldwide: IBM Cost of a Data Breach 2025.
- Technician pay, $30–34 an hour before overhead: US BLS.
- Time to exploit, about 5 days: Mandiant 2024. The breach rate per open vulnerability is an
  **assumption** calibrated so an average organisation expects about 1% IoT-origin breaches a year
  (Cyentia IRIS 2022 × Verizon DBIR 2025).
- Install failure rates and the chance an audit finds a given device are **assumptions**: no primary
  source publishes them. Change the first two (the device-class
  table under "Fleet and model assumptions"; "Share of problems an audit catches") to test how much they
  matter.
"""

ASSUMPTIONS_HELP = (
    "These describe the organisation rather than the programme: the devices, departments, people and prices. "
    "Change them to fit your fleet; they apply to the what-if and to every lever comparison. "
    "The page's link carries the levers only: save a scenario file to share edits made here."
)
UPLOAD_LINK_NOTE = (
    "This what-if starts from an uploaded file, which a link cannot carry, so the address bar holds no "
    "settings. To share it, save it as a scenario file (sidebar) and share the link from there."
)

BREACH_CAVEAT = (
    "Expected breach loss is for comparing options, not a forecast: no source publishes a breach rate per "
    "open IoT vulnerability, so the rates are assumptions calibrated to organisation-wide figures (a large "
    "organisation has about a 25% chance of a significant loss event a year, 20% of breaches start with an "
    "exploited vulnerability, 22% of those on edge devices: about 1% a year from IoT). With the defaults the "
    "baseline 5,000-device fleet that patches by hand expects about 0.016 breaches a year. The cost of a "
    "breach is under Fleet and model assumptions › Costs; the rates are set in the scenario file "
    "(risk.exploitation_rate_per_vulnerability_year)."
)

# One business sentence per assumption control (the schema's own descriptions are terse units).
ASSUMPTION_HELP = {
    "manual_error_rate": "Of the updates staff install by hand, the share skipped or botched without anyone "
    "noticing; training lowers it.",
    "disable_rate_per_month": "Of the devices under central management, the share a month on which staff switch "
    "automatic updates off (to stop a reboot, say); training lowers it.",
    "kpi_target": "The level the 'Holds the target from' figure looks for; it does not change the simulation.",
    "management_per_device_month": "Licence and administration of the update management system, per managed "
    "device and month.",
    "audit_per_device": "What checking one device in an audit costs.",
    "training_per_person": "What one person's training session costs, for the first course and each refresher.",
    "staff": "How many people the training programme covers at full coverage.",
    "technician_hour": "A technician's hourly cost including overheads; charged for every scheduled hour.",
    "reporting_channel_per_month": "Running the channel for reporting update problems, per month.",
    "breach_cost": "What one breach costs the organisation (IBM's 2025 global average is $4.44 M).",
}


# --------------------------------------------------------------------------- text from outside

MAX_SHOWN_CHARS = 500  # a notice or name from a file or link is cut here with "…"
_MARKDOWN_PUNCTUATION = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&\"'])")


def plain(value: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """Text from a file, an upload or a link, made safe to put inside Streamlit markdown.

    Every ASCII punctuation character is backslash-escaped (CommonMark shows an escaped
    character as itself), so no link, image, heading, emphasis, code span, HTML, colour
    directive (``:red[…]``) or emoji/icon shortcode can come from outside; line breaks
    become spaces (no headings or lists from newlines); control characters are dropped;
    the text is cut at ``limit`` characters with "…".
    """
    text = "".join(" " if ch in "\r\n\t" else ch for ch in str(value) if ch.isprintable() or ch in "\r\n\t")
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return _MARKDOWN_PUNCTUATION.sub(r"\\\1", text)
