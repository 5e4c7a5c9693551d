from pipeline.ingest.normalize import fold_whitespace, normalize_line, normalize_text


def test_full_width_digits_letters_percent_become_ascii():
    assert normalize_text("合格率９８．５％，ＡＢＣ") == "合格率98.5%,ABC"


def test_full_width_brackets_become_ascii_but_doc_number_brackets_stay():
    assert normalize_text("（一）漳官委〔2023〕18号") == "(一)漳官委〔2023〕18号"


def test_stray_spaces_inside_chinese_are_removed():
    assert normalize_text("关于 2023 年官田乡法治政府建设 工作情况的报告") == (
        "关于2023年官田乡法治政府建设工作情况的报告"
    )


def test_spaces_between_latin_words_stay():
    assert normalize_line("PDF 文件 and Word 文件") == "PDF 文件 and Word 文件"


def test_paragraph_breaks_kept_blank_lines_dropped():
    assert normalize_text("第一段。\r\n\r\n\n第二段。\f第三段。") == "第一段。\n第二段。\n第三段。"


def test_circled_numbers_stay_list_markers_not_counts():
    assert normalize_text("①加强学习②规范执法") == "(1)加强学习(2)规范执法"


def test_table_cells_keep_one_tab():
    assert normalize_text("项目 \t\t 数量\n调解纠纷（件）\t56") == "项目\t数量\n调解纠纷(件)\t56"


def test_invisible_and_control_characters_removed():
    assert normalize_text("法\u200b治\ufeff建设\x07") == "法治建设"


def test_ideographic_space_indent_removed():
    assert normalize_text("\u3000\u3000一是加强领导。") == "一是加强领导。"


def test_fold_whitespace():
    assert fold_whitespace(" a\tb\n c ") == "abc"
