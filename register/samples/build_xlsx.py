"""Write register.xlsx from register.csv, so the two samples hold the same register.

Run from the project root: `.venv/bin/python register/samples/build_xlsx.py`.
"""

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).parent


def build() -> None:
    with open(HERE / "register.csv", encoding="utf-8-sig", newline="") as source:
        rows = list(csv.reader(source, delimiter=";"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Verwerkingsregister"
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in sheet.iter_cols(min_row=2):
        for cell in column:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    workbook.save(HERE / "register.xlsx")


if __name__ == "__main__":
    build()
