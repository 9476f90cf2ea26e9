"""MedQuAD XML: one article per document, one section per answered QA pair, QA-pair ids kept."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from ingest.chunking import chunk_article
from ingest.formats.medquad import NoAnswersError, article_id, load_medquad_file, read_medquad
from ingest.loading import LoadedInputs, load_inputs
from ingest.models import Article, ArticleLoadError, ReferenceType, SourceFormat

MEDQUAD_DOCUMENTS = 5497
# Seven documents have no answered QA pair at all (six NIDDK files with an empty <QAPairs>, one GARD file
# whose only answer is empty); five QA pairs in all have an empty answer.
DOCUMENTS_WITHOUT_ANSWERS = 7
UNANSWERED_PAIRS = 5

# Invented text in MedQuAD's shape (no MedQuAD text is copied into the repo).
DOCUMENT = """\
<?xml version="1.0" encoding="UTF-8"?>
<Document id="0000123" source="GARD" url="https://example.org/gard/123/test-syndrome">
<Focus>Test syndrome</Focus>
<FocusAnnotations><UMLS><CUIs><CUI>C0000000</CUI></CUIs></UMLS></FocusAnnotations>
<QAPairs>
  <QAPair pid="1">
    <Question qid="0000123-1" qtype="information">What is (are) Test syndrome ?</Question>
    <Answer>Test syndrome is an invented condition used in tests. It affects the imaginary gland.
    It is rare.

    A second paragraph says how it is   inherited.</Answer>
  </QAPair>
  <QAPair pid="2">
    <Question qid="0000123-2" qtype="symptoms">What are the symptoms of Test syndrome ?</Question>
    <Answer></Answer>
  </QAPair>
  <QAPair pid="3">
    <Question qid="0000123-3" qtype="treatment">What are the treatments for Test syndrome ?</Question>
    <Answer>Rest &amp; fluids are advised.</Answer>
  </QAPair>
</QAPairs>
</Document>
"""

# A well-formed document none of whose pairs has an answer.
UNANSWERED = """\
<?xml version="1.0" encoding="UTF-8"?>
<Document id="0000124" source="GARD" url="https://example.org/gard/124">
<Focus>Unanswered syndrome</Focus>
<QAPairs>
  <QAPair pid="1"><Question>What is (are) Unanswered syndrome ?</Question><Answer></Answer></QAPair>
  <QAPair pid="2"><Question>How to diagnose Unanswered syndrome ?</Question><Answer>  </Answer></QAPair>
</QAPairs>
</Document>
"""


def write(tmp_path: Path, text: str, name: str = "0000123.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> ArticleLoadError:
    with pytest.raises(ArticleLoadError) as caught:
        load_medquad_file(path)
    return caught.value


@pytest.fixture
def article(tmp_path: Path) -> Article:
    return load_medquad_file(write(tmp_path, DOCUMENT))


class TestDocument:
    def test_the_focus_is_the_title(self, article: Article) -> None:
        assert article.title == "Test syndrome"

    def test_one_section_per_answered_pair_headed_by_its_question(self, article: Article) -> None:
        """The pair without an answer is left out; MedQuAD's space before '?' is dropped."""
        assert [s.heading for s in article.sections] == [
            "What is (are) Test syndrome?",
            "What are the treatments for Test syndrome?",
        ]

    def test_answer_paragraphs_are_claims_with_whitespace_collapsed(self, article: Article) -> None:
        """Blank lines split an answer into claims; entities are decoded."""
        first, last = article.sections
        assert [c.text for c in first.claims] == [
            "Test syndrome is an invented condition used in tests. It affects the imaginary gland. It is rare.",
            "A second paragraph says how it is inherited.",
        ]
        assert last.claims[0].text == "Rest & fluids are advised."

    def test_every_claim_carries_its_qa_pair_id(self, article: Article) -> None:
        """`<source>_<document id>_Sec<pid>`, the name the relevance judgments use."""
        assert [[c.source_id for c in s.claims] for s in article.sections] == [
            ["GARD_0000123_Sec1", "GARD_0000123_Sec1"],
            ["GARD_0000123_Sec3"],
        ]

    def test_chunks_carry_the_qa_pair_id(self, article: Article) -> None:
        """The id reaches every passage, and so the index metadata."""
        chunks = chunk_article(article)

        assert {c.source_ids for c in chunks} == {("GARD_0000123_Sec1",), ("GARD_0000123_Sec3",)}

    def test_the_source_and_url_are_a_patient_education_reference(self, article: Article) -> None:
        """Every claim cites it, so every passage is marked as patient education."""
        [reference] = article.references

        assert reference.type is ReferenceType.PATIENT_EDUCATION
        assert reference.url == "https://example.org/gard/123/test-syndrome"
        assert reference.source == "Genetic and Rare Diseases Information Center (GARD)"
        assert reference.title == "Test syndrome"
        assert {c.citations for s in article.sections for c in s.claims} == {(1,)}

    def test_the_summary_is_the_first_answers_opening_sentences(self, article: Article) -> None:
        assert article.summary == (
            "Test syndrome is an invented condition used in tests. It affects the imaginary gland. It is rare."
        )

    def test_the_first_question_stands_for_the_article(self, article: Article) -> None:
        assert article.question == "What is (are) Test syndrome?"

    def test_provenance_and_specialty(self, article: Article, tmp_path: Path) -> None:
        """Specialty follows the source where it covers one field; the format is recorded."""
        assert article.id == "medquad-gard-0000123"
        assert article.specialty == "rare-diseases"
        assert article.source_format is SourceFormat.MEDQUAD
        assert article.source_path == str(tmp_path / "0000123.xml")

    def test_a_broad_source_is_consumer_health(self, tmp_path: Path) -> None:
        text = DOCUMENT.replace('source="GARD"', 'source="MPlusHealthTopics"')

        assert load_medquad_file(write(tmp_path, text)).specialty == "consumer-health"

    def test_unanswered_pairs_are_counted(self, tmp_path: Path) -> None:
        """The reader reports how many pairs it left out."""
        document = read_medquad(write(tmp_path, DOCUMENT))

        assert (document.answered_pairs, document.skipped_pairs) == (2, 1)

    def test_an_empty_focus_takes_a_title_from_the_url(self, tmp_path: Path) -> None:
        """A few CDC documents have an empty <Focus>."""
        text = DOCUMENT.replace("<Focus>Test syndrome</Focus>", "<Focus></Focus>").replace(
            "gard/123/test-syndrome", "hai/organisms/visa_vrsa/visa_vrsa.html"
        )

        assert load_medquad_file(write(tmp_path, text)).title == "visa vrsa"


class TestSchemaVariants:
    def test_the_lower_case_doc_schema(self, tmp_path: Path) -> None:
        """A few NINDS files use <doc docid corpus>, <doctitle-focus>, <qaPairs> and <pair>."""
        text = """<?xml version="1.0" encoding="UTF-8"?>
<doc docid="0000007" corpus="NINDS" url="https://example.org/ninds/7">
<doctitle-focus>Test palsy</doctitle-focus>
<qaPairs><pair pid="2"><question qid="0000007-2">what is test palsy ?</question>
<answer>Test palsy is invented.</answer></pair></qaPairs>
</doc>"""

        article = load_medquad_file(write(tmp_path, text, "0000007.xml"))

        assert (article.id, article.title, article.specialty) == ("medquad-ninds-0000007", "Test palsy", "neurology")
        assert article.sections[0].claims[0].source_id == "NINDS_0000007_Sec2"

    def test_the_disease_file_schema(self, tmp_path: Path) -> None:
        """One CDC file is a <DiseaseFile fid source>."""
        text = DOCUMENT.replace('<Document id="0000123"', '<DiseaseFile fid="0000397"').replace(
            "</Document>", "</DiseaseFile>"
        )

        article = load_medquad_file(write(tmp_path, text, "0000397.xml"))

        assert article.sections[0].claims[0].source_id == "GARD_0000397_Sec1"

    def test_document_ids_repeated_across_files_give_distinct_article_ids(self, tmp_path: Path) -> None:
        """CancerGov reuses a document id for sub-topic files; the id comes from the file name."""
        assert article_id("CancerGov", Path("0000013_2.xml")) == "medquad-cancergov-0000013-2"
        assert article_id("CancerGov", Path("0000013_2_1.xml")) == "medquad-cancergov-0000013-2-1"

    def test_the_qa_pair_id_keeps_the_document_id_as_written(self, tmp_path: Path) -> None:
        """`id="0000001_1"` gives `CancerGov_0000001_1_Sec1`, whatever the file is called."""
        text = DOCUMENT.replace('id="0000123" source="GARD"', 'id="0000001_1" source="CancerGov"')

        article = load_medquad_file(write(tmp_path, text, "0000001_1_extra.xml"))

        assert article.sections[0].claims[0].source_id == "CancerGov_0000001_1_Sec1"
        assert article.id == "medquad-cancergov-0000001-1-extra"


class TestNothingToIndex:
    def test_a_document_without_answers_raises_no_answers(self, tmp_path: Path) -> None:
        """A well-formed document whose pairs are all unanswered has no article."""
        with pytest.raises(NoAnswersError) as caught:
            load_medquad_file(write(tmp_path, UNANSWERED, "0000124.xml"))

        assert "no QA pair has an answer" in str(caught.value)

    def test_it_is_skipped_not_rejected_by_load_inputs(self, tmp_path: Path) -> None:
        """Loading a folder counts it, and its unanswered pairs, as skipped."""
        write(tmp_path, DOCUMENT, "0000123.xml")
        write(tmp_path, UNANSWERED, "0000124.xml")

        inputs = load_inputs([tmp_path])

        assert [a.id for a in inputs.articles] == ["medquad-gard-0000123"]
        assert inputs.rejected == []
        assert [Path(i.path).name for i in inputs.skipped] == ["0000124.xml"]
        assert inputs.skipped_pairs == 1 + 2

    def test_readme_and_licence_files_in_a_folder_are_not_articles(self, tmp_path: Path) -> None:
        """MedQuAD's folder ships readme.txt and LICENSE.txt beside the XML."""
        write(tmp_path, DOCUMENT)
        write(tmp_path, "About this data set.\n", "readme.txt")
        write(tmp_path, "Licence text.\n", "LICENSE.txt")

        inputs = load_inputs([tmp_path])

        assert (inputs.files, len(inputs.articles), inputs.rejected) == (1, 1, [])


class TestErrors:
    def test_malformed_xml_is_rejected_with_its_line(self, tmp_path: Path) -> None:
        text = DOCUMENT.replace("<Answer>Rest &amp; fluids", "<Answer>Rest & fluids")

        [issue] = load_error(write(tmp_path, text)).issues

        assert issue.reason.startswith("not well-formed XML")
        assert issue.line == next(i for i, line in enumerate(text.splitlines(), 1) if "Rest & fluids" in line)

    def test_an_unclosed_element_is_rejected_with_a_line(self, tmp_path: Path) -> None:
        [issue] = load_error(write(tmp_path, DOCUMENT.replace("</Document>\n", ""))).issues

        assert issue.reason.startswith("not well-formed XML: no element found")
        assert issue.line == DOCUMENT.count("\n")

    def test_invalid_utf8_is_rejected_with_its_line(self, tmp_path: Path) -> None:
        path = tmp_path / "0000123.xml"
        path.write_bytes(DOCUMENT.encode("utf-8").replace(b"It is rare.", b"It is \xff rare."))

        [issue] = load_error(path).issues

        assert issue.line == next(i for i, line in enumerate(DOCUMENT.splitlines(), 1) if "It is rare." in line)

    def test_an_empty_file_is_rejected(self, tmp_path: Path) -> None:
        [issue] = load_error(write(tmp_path, "  \n")).issues

        assert issue.reason == "file is empty"

    def test_a_document_without_id_or_source_is_rejected(self, tmp_path: Path) -> None:
        """Without them the QA-pair ids cannot be formed."""
        text = DOCUMENT.replace(' id="0000123" source="GARD"', "")

        [issue] = load_error(write(tmp_path, text)).issues

        assert issue.reason == "<Document> has no id or source attribute: not a MedQuAD document"
        assert issue.line == 2


@pytest.fixture(scope="module")
def medquad(shared_dir: Path) -> Path:
    return shared_dir / "data" / "medquad"


@pytest.fixture(scope="module")
def loaded(medquad: Path) -> LoadedInputs:
    return load_inputs([medquad])


@pytest.mark.slow
@pytest.mark.shared
class TestWholeMedQuAD:
    """Every document of ../shared/data/medquad (a few seconds)."""

    def test_all_documents_load(self, loaded: LoadedInputs) -> None:
        """No document is rejected; those without any answer are skipped, and so are unanswered pairs."""
        assert loaded.files == MEDQUAD_DOCUMENTS
        assert (loaded.rejected, loaded.duplicates) == ([], [])
        assert len(loaded.articles) == MEDQUAD_DOCUMENTS - DOCUMENTS_WITHOUT_ANSWERS
        assert len(loaded.skipped) == DOCUMENTS_WITHOUT_ANSWERS
        assert loaded.skipped_pairs == UNANSWERED_PAIRS

    def test_article_ids_are_unique(self, loaded: LoadedInputs) -> None:
        ids = [a.id for a in loaded.articles]

        assert len(set(ids)) == len(ids)

    def test_every_judged_qa_pair_is_a_source_id(self, loaded: LoadedInputs, shared_dir: Path) -> None:
        """The LiveQA relevance judgments can be traced to loaded passages."""
        with (shared_dir / "data" / "liveqa-medquad-dev" / "qrels.tsv").open(encoding="utf-8") as handle:
            judged = {row["qa-id"] for row in csv.DictReader(handle, delimiter="\t")}
        source_ids = {c.source_id for a in loaded.articles for s in a.sections for c in s.claims}

        assert judged
        assert judged - source_ids == set()

    def test_a_known_document(self, medquad: Path) -> None:
        """CancerGov's first document keeps its underscored id in the QA-pair ids."""
        article = load_medquad_file(medquad / "1_CancerGov_QA" / "0000001_1.xml")

        assert article.id == "medquad-cancergov-0000001-1"
        assert article.title == "Adult Acute Lymphoblastic Leukemia"
        assert article.sections[0].claims[0].source_id == "CancerGov_0000001_1_Sec1"
        assert article.specialty == "oncology"
