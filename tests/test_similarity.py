"""Copied text: the sample county's copies top similarity.csv; boilerplate is discounted; only
same county-year and consecutive-year pairs are compared; other places' names are found."""

import pandas as pd
from analysis_fixtures import documents_frame, sample_analysis

from pipeline import contracts
from pipeline.analyze import analyze, load_settings
from pipeline.analyze.passages import SectionIndex
from pipeline.analyze.similarity import compared_pairs, foreign_names

SETTINGS = load_settings()
SLOGAN = "坚持以习近平新时代中国特色社会主义思想为指导深入学习贯彻习近平法治思想全面推进依法治县各项工作。"


def test_sample_copies_are_the_top_pairs():
    out = sample_analysis()[3]
    sim = out["similarity"].sort_values("cosine", ascending=False).reset_index(drop=True)
    top = {
        (r.township_a, r.year_a, r.township_b, r.year_b, r.kind) for r in sim.head(2).itertuples()
    }
    assert top == {
        ("云溪镇", 2024, "柳塘镇", 2024, "same_year"),
        ("枫林镇", 2023, "枫林镇", 2024, "consecutive_years"),
    }
    assert (sim.loc[:1, "cosine"] > 0.95).all()
    assert sim.loc[2, "cosine"] < 0.5  # nothing else comes close
    assert (sim.loc[:1, "shared_paragraphs"] >= 10).all()
    assert sim.loc[2:, "shared_paragraphs"].sum() == 0


def test_sample_pairs_are_within_county_year_or_consecutive():
    out = sample_analysis()[3]
    sim = out["similarity"]
    same = sim[sim["kind"] == "same_year"]
    cons = sim[sim["kind"] == "consecutive_years"]
    assert len(same) == 12 * 11 // 2 + 12 * 11 // 2  # 12 townships each year
    assert len(cons) == 12
    assert (cons["township_a"] == cons["township_b"]).all()
    assert (cons["year_b"] == cons["year_a"] + 1).all()
    assert list(sim.columns[:3]) == ["doc_a", "doc_b", "cosine"]


def test_reuse_pairs_carry_both_texts():
    _tables, texts, _towns, out = sample_analysis()
    reuse = out["reuse_pairs"]
    pair = reuse[(reuse["township_a"] == "云溪镇") & (reuse["township_b"] == "柳塘镇")]
    assert len(pair) >= 15
    for r in pair.itertuples():
        assert r.text_a in texts[r.doc_a] and r.text_b in texts[r.doc_b]
        assert r.cosine >= SETTINGS.similarity["paragraph_min_cosine"]


def _county(texts_by_township, county="甲县", year=2023):
    docs = documents_frame(
        [
            {"doc_id": f"{county}/{year}/{t}.txt", "county": county, "township": t, "year": year}
            for t in texts_by_township
        ]
    )
    texts = {f"{county}/{year}/{t}.txt": text for t, text in texts_by_township.items()}
    return docs, texts


def _analyze(docs, texts):
    tables = {
        "documents": docs,
        "sections": contracts.empty("sections"),
        "metrics": contracts.empty("metrics"),
        "practices": contracts.empty("practices"),
    }
    return analyze(tables, texts, SETTINGS)


def test_boilerplate_is_discounted():
    own = {
        "一镇": "加强矛盾纠纷排查调处，建立村级调解委员会，聘请退休法官担任调解顾问。",
        "二镇": "推进政务公开栏标准化建设，在集镇设置电子显示屏，按月公布惠民资金发放情况。",
        "三镇": "开展校园周边环境整治，联合派出所对网吧和流动摊贩进行专项检查。",
        "四镇": "组织农村土地承包合同清理，规范集体资产租赁，处理历史遗留合同纠纷。",
    }
    texts_by_township = {
        t: "\n".join([SLOGAN, SLOGAN.replace("全面", "扎实"), body]) for t, body in own.items()
    }
    docs, texts = _county(texts_by_township)
    sim = _analyze(docs, texts)["similarity"]
    assert (sim["cosine_raw"] > sim["cosine"] + 0.2).all(), sim[["cosine", "cosine_raw"]]
    assert (sim["cosine"] < 0.3).all()


def test_no_pairs_across_counties_or_non_consecutive_years():
    docs = pd.concat(
        [
            documents_frame(
                [{"doc_id": "甲县/2022/a镇.txt", "county": "甲县", "township": "a镇", "year": 2022}]
            ),
            documents_frame(
                [{"doc_id": "甲县/2024/a镇.txt", "county": "甲县", "township": "a镇", "year": 2024}]
            ),
            documents_frame(
                [{"doc_id": "乙县/2024/b镇.txt", "county": "乙县", "township": "b镇", "year": 2024}]
            ),
            documents_frame(
                [{"doc_id": "甲县/2024/c镇.txt", "county": "甲县", "township": "c镇", "year": 2024}]
            ),
        ]
    )
    pairs = compared_pairs(docs[["doc_id", "county", "year", "township"]].astype({"year": int}))
    assert [(p.doc_a, p.doc_b, p.kind) for p in pairs.itertuples()] == [
        ("甲县/2024/a镇.txt", "甲县/2024/c镇.txt", "same_year"),
    ]


def test_pairs_grow_linearly_with_counties():
    def synthetic(n_counties, per=20, years=(2023, 2024)):
        return pd.DataFrame(
            [
                {"doc_id": f"c{c}/{y}/t{t}", "county": f"c{c}", "year": y, "township": f"t{t}"}
                for c in range(n_counties)
                for y in years
                for t in range(per)
            ]
        )

    small, large = len(compared_pairs(synthetic(5))), len(compared_pairs(synthetic(50)))
    assert small == 5 * (2 * 190 + 20)
    assert large == 10 * small


def test_foreign_names_found_and_ignored_where_legitimate():
    docs, texts = _county(
        {
            "柳塘镇": "柳塘镇全年开展普法活动。",
            "云溪镇": "印发柳塘镇学法计划。为建设平安柳塘、法治柳塘提供保障。与柳塘镇交界处设立联合调解室。云溪镇人民政府",
        }
    )
    places = docs[["county", "township"]]
    found = foreign_names(
        docs, texts, places, SectionIndex.from_table(contracts.empty("sections")), ("交界",)
    )
    rows = found[found["doc_id"].str.contains("云溪镇")]
    assert list(rows["name"]) == ["柳塘镇", "柳塘"]
    assert list(rows["place"]) == ["柳塘镇", "柳塘镇"]
    assert found[found["doc_id"].str.contains("柳塘镇")].empty
