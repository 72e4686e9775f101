"""Lines naming a fund or pillar the demo's reference data lacks, to land beside the demo (issue 22, point 5), and
what the build must say of each: used by tests/e2e/test_reference_gaps_night.py and tests/postgres."""

from __future__ import annotations

LANDED = {
    "budgets/newfund-2020-21.csv":
        "Financial Year,Funding Source,Fund,Cost Centre,Description,Amount\n"
        "2020/21,RESERVES,NEWFUND,,New fund from reserves,123456.00\n",
    "commitments/road-safety.csv":
        "Commitment ID,Title,Provider,Commitment Type,Fund,Main Pillar,Start Date,End Date,Annual Value\n"
        "DOR-C-0999,Road safety partnership,Dorset Road Safe,Contract,CSF,Road Safety,01/04/2019,31/03/2020,12000.00\n",
    "planned_projects/newfund-projects.csv":
        "Project ID,Title,Proposed Provider,Fund,Main Pillar,Financial Year,Anticipated Spend,Status\n"
        "PP-1920-99,Reserve-funded pilot,,NEWFUND,PROTECT,2019/20,5000.00,Proposed\n",
    "grant_awards/sport-award.csv":
        "Award Date,Reference,Recipient,Pillar,Amount\n"
        "05/03/2020,CGS-1920-099,Sturminster Sports Club,Sport,500.00\n",
}
ADD = ": add it there, or correct the line"
GAPS = {  # file -> (reference row missing, reason)
    "newfund-2020-21.csv": ("funds.csv: NEWFUND", "fund 'NEWFUND' is not in the reference data's funds.csv" + ADD),
    "road-safety.csv": ("pillars.csv: Road Safety",
                        "pillar 'Road Safety' is not in the reference data's pillars.csv" + ADD),
    "newfund-projects.csv": ("funds.csv: NEWFUND", "fund 'NEWFUND' is not in the reference data's funds.csv" + ADD),
    "sport-award.csv": ("pillars.csv: Sport", "pillar 'Sport' is not in the reference data's pillars.csv" + ADD),
}
