"""Which report a question means, without a store: names, short forms, places not held."""
from assistant.understand import Catalog, ReportEntry, understand

CATALOG = Catalog([
    ReportEntry("r1", "沐阳县人民政府", ["沭阳县人民政府", "沭阳县", "沭阳县政府"], 2025, "沭阳县人民政府_2025.md"),
    ReportEntry("r2", "泗阳县人民政府", ["泗阳县", "泗阳县政府"], 2025, "泗阳县人民政府_2025.md"),
    ReportEntry("r3", "天津市滨海新区公安局", ["滨海新区公安局"], 2022, "天津市滨海新区公安局_2022.txt"),
])


def test_short_form_of_an_alias_names_the_agency_even_when_the_year_does_not():
    # two 2025 reports: only the name can decide; people write 沭阳 for a report printed 沐阳
    intent = understand("沭阳2025年还有多少行政复议没审完？", CATALOG)
    assert intent.agencies == ["沐阳县人民政府"]
    assert intent.metric.key == "行政复议" and intent.column == "尚未审结"


def test_abbreviation_and_department():
    assert understand("滨海公安2022年收到多少申请", CATALOG).agencies == ["天津市滨海新区公安局"]
    dept = understand("泗阳县教育局2025年收到多少申请", CATALOG)
    assert dept.agencies == [] and dept.unknown_agency == "泗阳县教育局"


def test_two_agencies_named_compare():
    intent = understand("2025年沭阳和泗阳哪个收到的申请多", CATALOG)
    assert set(intent.agencies) == {"沐阳县人民政府", "泗阳县人民政府"} and intent.kind == "ranking"


def test_one_agency_printed_two_ways_is_one_agency_with_two_years():
    """北京市海淀区人民政府 one year, 海淀区人民政府 the next: a year-on-year difference, not a ranking."""
    from ingest.agency import identify
    from assistant.assistant import catalog_entries
    from assistant.understand import Catalog, understand

    rows = [
        {"report_id": "a", "agency": "北京市海淀区人民政府", "agency_key": identify("北京市海淀区人民政府").key,
         "agency_aliases": [], "year": 2022, "file_name": "a.txt"},
        {"report_id": "b", "agency": "海淀区人民政府", "agency_key": identify("海淀区人民政府").key,
         "agency_aliases": [], "year": 2023, "file_name": "b.txt"},
    ]
    catalog = Catalog(catalog_entries(rows))
    assert len(catalog.agencies) == 1
    intent = understand("海淀区2023年收到的申请比2022年多了多少？", catalog)
    assert intent.kind == "difference" and len(intent.agencies) == 1
    assert catalog.years(intent.agencies[0]) == [2022, 2023]
