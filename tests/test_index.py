"""Specification of the vector index: exact and HNSW search, filters, changes, persistence, threads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from matcher import hnsw
from matcher.index import (
    IdMap,
    IndexMismatchError,
    SearchResult,
    VectorIndex,
    check_manifest,
    read_manifest,
)
from matcher.scan import top_rows

N, DIM = 2000, 32
IDS = [f"p{i:04d}" for i in range(N)]
# exact_threshold decides the index type: 2000 vectors scan exactly under the first, build HNSW under the second.
KINDS = {"exact": N, "hnsw": 100}


def unit(rows: np.ndarray) -> np.ndarray:
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


@pytest.fixture(scope="module")
def vectors() -> np.ndarray:
    return unit(np.random.default_rng(7).normal(size=(N, DIM)))


@pytest.fixture(scope="module")
def queries() -> np.ndarray:
    return unit(np.random.default_rng(8).normal(size=(50, DIM)))


def make(kind: str, vectors: np.ndarray, **params: object) -> VectorIndex:
    index = VectorIndex(exact_threshold=KINDS[kind], **params).build(IDS, vectors)  # type: ignore[arg-type]
    assert index.index_type_ == kind
    return index


def brute_force(vectors: np.ndarray, ids: list[str], query: np.ndarray, k: int) -> list[str]:
    order = np.argsort(-(vectors @ query), kind="stable")[:k]
    return [ids[i] for i in order]


def recall(found: list[list[str]], truth: list[list[str]]) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)]))


# ------------------------------------------------------------------------------------------------- search


def test_exact_search_returns_the_true_neighbours_and_their_cosines(vectors, queries):
    index = make("exact", vectors)
    result = index.search(queries, k=10)
    for q, ids, scores in zip(queries, result.ids, result.scores, strict=True):
        assert ids == brute_force(vectors, IDS, q, 10)
        np.testing.assert_allclose(scores, [vectors[IDS.index(i)] @ q for i in ids], rtol=1e-5)


def test_hnsw_recall_at_10_against_exact_search_is_at_least_095(vectors, queries):
    result = make("hnsw", vectors).search(queries, k=10)
    truth = [brute_force(vectors, IDS, q, 10) for q in queries]
    assert recall(result.ids, truth) >= 0.95


@pytest.mark.parametrize("kind", KINDS)
def test_a_stored_vector_finds_itself_first_with_cosine_one(kind, vectors):
    result = make(kind, vectors).search(vectors[123], k=3)
    assert result.ids[0][0] == IDS[123]
    assert result.scores[0, 0] == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("kind", KINDS)
def test_scores_are_float32_and_descending(kind, vectors, queries):
    scores = make(kind, vectors).search(queries, k=20).scores
    assert scores.dtype == np.float32 and scores.shape == (len(queries), 20)
    assert np.all(np.diff(scores, axis=1) <= 0)


def test_a_single_query_vector_is_a_batch_of_one(vectors, queries):
    index = make("exact", vectors)
    single, batch = index.search(queries[3], k=5), index.search(queries[3:4], k=5)
    assert single.ids == batch.ids
    np.testing.assert_array_equal(single.scores, batch.scores)


def test_asking_for_more_than_the_index_holds_returns_everything_without_padding():
    vectors = unit(np.eye(3))
    result = VectorIndex().build(["a", "b", "c"], vectors).search(vectors, k=10)
    assert [sorted(row) for row in result.ids] == [["a", "b", "c"]] * 3
    assert result.scores.shape == (3, 3) and np.isfinite(result.scores).all()


def test_searching_an_index_never_built_is_refused():
    with pytest.raises(ValueError, match="build"):
        VectorIndex().search(np.ones(4, dtype=np.float32) / 2, k=1)


@pytest.mark.parametrize("bad_k", [0, -1, 2.5, True])
def test_k_must_be_a_positive_int(bad_k, vectors):
    with pytest.raises(ValueError, match="k must"):
        make("exact", vectors).search(vectors[0], k=bad_k)


def test_queries_of_the_wrong_dimension_or_not_normalised_are_refused(vectors):
    index = make("exact", vectors)
    with pytest.raises(ValueError, match="shape"):
        index.search(unit(np.ones(DIM + 1)), k=1)
    with pytest.raises(ValueError, match="normalised"):
        index.search(np.ones(DIM, dtype=np.float32), k=1)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_single_query_holding_nan_or_infinity_is_refused(bad, vectors):
    query = vectors[0].copy()
    query[3] = bad
    with pytest.raises(ValueError, match="finite"):
        make("exact", vectors).search(query, k=1)


# ------------------------------------------------------------------------------------------------- filters


@pytest.mark.parametrize("kind", KINDS)
def test_a_filter_returns_the_best_allowed_ids_in_full(kind, vectors, queries):
    index = make(kind, vectors)
    allowed_ids = IDS[::2]  # wide enough for the HNSW index to walk its graph with a selector
    allowed = index.mask(allowed_ids)
    subset = vectors[::2]
    result = index.search(queries, k=10, allowed=allowed)
    truth = [brute_force(subset, allowed_ids, q, 10) for q in queries]
    assert all(len(row) == 10 and set(row) <= set(allowed_ids) for row in result.ids)
    assert recall(result.ids, truth) >= (1.0 if kind == "exact" else 0.95)


def test_a_filtered_graph_walk_that_comes_back_short_is_completed_exactly(vectors, queries, monkeypatch):
    # A 0.5% filter walked through the graph (the scan that narrow filters get is switched off): walks find
    # fewer than k allowed nodes, and those queries must be answered again, exactly.
    monkeypatch.setattr(VectorIndex, "_filter_is_narrow", lambda self, n_allowed, n_live: False)
    index = VectorIndex(exact_threshold=5, ef_search=1).build(IDS, vectors)
    allowed_ids = IDS[5::200]
    result = index.search(queries, k=10, allowed=index.mask(allowed_ids))
    assert [sorted(row) for row in result.ids] == [sorted(allowed_ids)] * len(queries)


@pytest.mark.parametrize("kind", KINDS)
def test_fewer_allowed_than_k_returns_all_allowed(kind, vectors):
    index = make(kind, vectors)
    result = index.search(vectors[:2], k=10, allowed=index.mask(["p0001", "p0002", "p0003"]))
    assert [sorted(row) for row in result.ids] == [["p0001", "p0002", "p0003"]] * 2


def test_nothing_allowed_returns_empty_rows(vectors):
    index = make("exact", vectors)
    result = index.search(vectors[:2], k=5, allowed=np.zeros(N, dtype=bool))
    assert result.ids == [[], []] and result.scores.shape == (2, 0)


def test_a_mask_of_the_wrong_length_or_type_is_refused(vectors):
    index = make("exact", vectors)
    with pytest.raises(ValueError, match="boolean mask"):
        index.search(vectors[0], k=1, allowed=np.ones(N - 1, dtype=bool))
    with pytest.raises(ValueError, match="boolean mask"):
        index.search(vectors[0], k=1, allowed=np.ones(N, dtype=int))


def test_mask_follows_ids_order_and_ignores_unknown_ids(vectors):
    index = make("hnsw", vectors)
    index.remove(["p0000"])
    mask = index.mask(["p0002", "p0000", "nobody"])
    assert [pid for pid, keep in zip(index.ids_, mask, strict=True) if keep] == ["p0002"]


# ------------------------------------------------------------------------------------------------- changes


@pytest.mark.parametrize("kind", KINDS)
def test_an_added_profile_is_found(kind, vectors):
    index = make(kind, vectors)
    new = unit(np.arange(DIM, dtype=np.float32))
    index.add(["new"], new[None, :])
    assert len(index) == N + 1 and "new" in index
    assert index.search(new, k=1).ids == [["new"]]


@pytest.mark.parametrize("kind", KINDS)
def test_adding_an_id_already_present_is_refused(kind, vectors):
    index = make(kind, vectors)
    with pytest.raises(ValueError, match="already"):
        index.add(["p0001"], vectors[:1])
    assert len(index) == N


@pytest.mark.parametrize("kind", KINDS)
def test_an_updated_profile_is_found_at_its_new_vector_only(kind, vectors):
    index = make(kind, vectors)
    index.update(["p0005"], vectors[900:901])
    assert set(index.search(vectors[900], k=2).ids[0]) == {"p0005", "p0900"}
    assert "p0005" not in index.search(vectors[5], k=10).ids[0]
    np.testing.assert_array_equal(index.vector("p0005"), vectors[900])
    assert len(index) == N


@pytest.mark.parametrize("kind", KINDS)
def test_a_removed_profile_is_never_returned(kind, vectors):
    index = make(kind, vectors)
    index.remove(["p0042"])
    assert len(index) == N - 1 and "p0042" not in index and "p0042" not in index.ids_
    assert "p0042" not in index.search(vectors[42], k=N).ids[0]


@pytest.mark.parametrize("kind", KINDS)
def test_removing_or_updating_an_unknown_id_changes_nothing(kind, vectors):
    index = make(kind, vectors)
    with pytest.raises(KeyError, match="nobody"):
        index.remove(["p0001", "nobody"])
    with pytest.raises(KeyError, match="nobody"):
        index.update(["nobody"], vectors[:1])
    assert len(index) == N and "p0001" in index


def test_removals_past_the_rebuild_fraction_compact_the_index(vectors, queries):
    index = make("hnsw", vectors, rebuild_fraction=0.1)
    index.remove(IDS[:150])
    assert index.tombstones_ == 150
    index.remove(IDS[150:250])
    assert index.tombstones_ == 0 and len(index) == N - 250
    truth = [brute_force(vectors[250:], IDS[250:], q, 10) for q in queries]
    assert recall(index.search(queries, k=10).ids, truth) >= 0.95


def test_an_exact_update_keeps_the_order_of_ids(vectors):
    index = make("exact", vectors)
    index.update(["p0005"], vectors[900:901])
    assert index.ids_ == tuple(IDS)


def test_an_exact_index_grown_past_the_threshold_becomes_hnsw(vectors):
    index = VectorIndex(exact_threshold=1000).build(IDS[:1000], vectors[:1000])
    assert index.index_type_ == "exact"
    index.add(IDS[1000:], vectors[1000:])
    assert index.index_type_ == "hnsw" and len(index) == N
    assert index.search(vectors[1500], k=1).ids == [[IDS[1500]]]


def test_an_hnsw_index_shrunk_below_the_threshold_becomes_exact_when_compacted(vectors):
    index = VectorIndex(exact_threshold=1500, rebuild_fraction=0.2).build(IDS, vectors)
    assert index.index_type_ == "hnsw"
    index.remove(IDS[:600])
    assert index.index_type_ == "exact" and index.ids_ == tuple(IDS[600:])


def test_add_on_an_empty_index_builds_it(vectors):
    index = VectorIndex()
    index.add(IDS[:10], vectors[:10])
    assert index.ids_ == tuple(IDS[:10]) and index.dimension_ == DIM


@pytest.mark.parametrize("kind", KINDS)
def test_build_reports_progress_up_to_the_total(kind, vectors):
    calls: list[tuple[int, int]] = []
    VectorIndex(exact_threshold=KINDS[kind]).build(
        IDS, vectors, progress=lambda done, total: calls.append((done, total))
    )
    assert calls and calls[-1] == (N, N)


@pytest.mark.parametrize(
    ("ids", "rows", "message"),
    [
        (IDS[:3], np.ones((3, DIM), dtype=np.float32), "normalised"),
        (IDS[:2], unit(np.ones((3, DIM))), "2 ids but 3 vectors"),
        (["a", "a"], unit(np.ones((2, DIM))), "more than once"),
        (IDS[:2], np.full((2, DIM), np.nan, dtype=np.float32), "finite"),
        (IDS[:1], np.ones(DIM, dtype=np.float32), "shape"),
    ],
)
def test_malformed_input_is_refused_with_a_clear_message(ids, rows, message):
    with pytest.raises(ValueError, match=message):
        VectorIndex().build(ids, rows)


def test_vector_returns_a_copy_of_the_stored_vector(vectors):
    index = make("hnsw", vectors)
    got = index.vector("p0007")
    np.testing.assert_array_equal(got, vectors[7])
    got[:] = 0
    np.testing.assert_array_equal(index.vector("p0007"), vectors[7])
    with pytest.raises(KeyError):
        index.vector("nobody")


# ------------------------------------------------------------------------------------------------- id map


def test_id_map_keeps_slots_stable_across_removals_and_renumbers_when_compacted():
    idmap = IdMap()
    assert idmap.append(["a", "b", "c", "d"]).tolist() == [0, 1, 2, 3]
    idmap.discard(["b"])
    assert idmap.slots_of(["d", "a"]).tolist() == [3, 0]
    assert idmap.ids_at([2, 0]) == ["c", "a"] and idmap.n_dead == 1
    compact, old_slots = idmap.compacted()
    assert compact.ids == ("a", "c", "d") and old_slots.tolist() == [0, 2, 3] and compact.n_dead == 0
    with pytest.raises(KeyError):
        idmap.id_at(1)


def test_id_map_refuses_repeated_ids_and_non_strings_without_changing():
    with pytest.raises(ValueError, match="more than once"):
        IdMap(["a", None, "a"])
    idmap = IdMap(["a"])
    with pytest.raises(ValueError, match="strings"):
        idmap.append(["b", 3])  # type: ignore[list-item]
    assert idmap.ids == ("a",) and "b" not in idmap


def test_a_copy_of_an_id_map_changes_independently_of_the_original():
    original = IdMap(["a", "b"])
    copy = original.copy()
    copy.discard(["a"])
    copy.append(["c"])
    assert original.ids == ("a", "b") and original.n_dead == 0 and "c" not in original
    assert copy.ids == ("b", "c") and copy.slots_of(["c"]).tolist() == [2]


# ------------------------------------------------------------------------------------------------- exact scan


def test_top_rows_answers_one_query_as_it_answers_it_in_a_batch(vectors, queries):
    rows, scores = top_rows(vectors, queries, 10)
    one_rows, one_scores = top_rows(vectors, queries[7:8], 10)
    np.testing.assert_array_equal(one_rows, rows[7:8])
    np.testing.assert_allclose(one_scores, scores[7:8], rtol=1e-6)  # another kernel: rounding may differ
    assert [IDS[r] for r in rows[7]] == brute_force(vectors, IDS, queries[7], 10)


@pytest.mark.parametrize("n_queries", [1, 5])  # one query and a batch take different paths
@pytest.mark.parametrize("share", [0.5, 0.05])  # above and below the share at which the allowed rows are copied out
def test_top_rows_returns_the_best_allowed_rows_whether_it_copies_them_out_or_masks_the_rest(
    share, n_queries, vectors, queries
):
    mask = np.random.default_rng(3).random(N) < share
    allowed = np.flatnonzero(mask)
    rows, _ = top_rows(vectors, queries[:n_queries], 10, mask)
    for q, found in zip(queries[:n_queries], rows, strict=True):
        assert [IDS[r] for r in found] == brute_force(vectors[allowed], [IDS[i] for i in allowed], q, 10)


# ------------------------------------------------------------------------------------------------- HNSW graph


def test_extending_a_graph_leaves_the_original_as_it_was(vectors):
    graph = hnsw.build_graph(vectors[:500], m=16, ef_construction=40, ef_search=64)
    bigger = hnsw.extended(graph, vectors[500:501])
    assert (graph.ntotal, bigger.ntotal) == (500, 501)
    assert hnsw.search(bigger, vectors[500:501], 1, ef=64)[1].tolist() == [[500]]
    assert hnsw.search(graph, vectors[500:501], 1, ef=64)[1].tolist() != [[500]]


# ------------------------------------------------------------------------------------------------- files


@pytest.mark.parametrize("kind", KINDS)
def test_save_then_load_gives_the_same_answers_and_manifest(kind, vectors, queries, tmp_path):
    index = make(kind, vectors)
    index.remove(["p0003"])
    index.update(["p0004"], vectors[10:11])
    index.save(tmp_path, {"model": "minilm", "facet": "offers", "checksum": "abc"})
    loaded = VectorIndex.load(tmp_path)
    assert loaded.ids_ == index.ids_ and loaded.index_type_ == kind
    before, after = index.search(queries, k=10), loaded.search(queries, k=10)
    assert after.ids == before.ids
    np.testing.assert_array_equal(after.scores, before.scores)
    manifest = loaded.manifest
    assert manifest["model"] == "minilm" and manifest["facet"] == "offers" and manifest["checksum"] == "abc"
    assert (manifest["dimension"], manifest["count"], manifest["index_type"]) == (DIM, N - 1, kind)
    assert manifest == index.manifest == read_manifest(tmp_path)


def test_the_id_map_is_saved_in_a_file_of_its_own(vectors, tmp_path):
    make("exact", vectors).save(tmp_path, {})
    version = tmp_path / (tmp_path / "CURRENT").read_text().strip()
    assert json.loads((version / "ids.json").read_text()) == IDS


def test_a_loaded_index_keeps_its_parameters_and_accepts_changes(vectors, tmp_path):
    make("hnsw", vectors, ef_search=77).save(tmp_path, {})
    loaded = VectorIndex.load(tmp_path)
    assert loaded.ef_search == 77 and loaded.exact_threshold == KINDS["hnsw"]
    loaded.add(["new"], vectors[:1])
    assert set(loaded.search(vectors[0], k=2).ids[0]) == {"new", "p0000"}


def test_a_save_that_fails_at_the_rename_leaves_the_previous_index(vectors, tmp_path, monkeypatch):
    make("exact", vectors).save(tmp_path, {"checksum": "old"})

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)  # the one os.replace every module calls
    bigger = VectorIndex().build(["x", *IDS], np.vstack([vectors[:1], vectors]))
    with pytest.raises(OSError, match="disk full"):
        bigger.save(tmp_path, {"checksum": "new"})
    monkeypatch.undo()
    loaded = VectorIndex.load(tmp_path)
    assert loaded.manifest["checksum"] == "old" and len(loaded) == N
    assert len(list(tmp_path.glob("v-*"))) == 1


def test_a_save_killed_before_the_switch_leaves_the_previous_index(vectors, tmp_path):
    make("hnsw", vectors).save(tmp_path, {"checksum": "old"})
    # The child process dies (SIGKILL, no clean-up) at the moment it would switch to the new version.
    script = textwrap.dedent(
        f"""
        import os, signal
        import numpy as np
        from matcher import index as m
        rng = np.random.default_rng(0)
        v = rng.normal(size=(500, {DIM})).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        idx = m.VectorIndex().build([str(i) for i in range(500)], v)
        os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)
        idx.save({str(tmp_path)!r}, {{"checksum": "new"}})
        """
    )
    root = Path(__file__).resolve().parents[1]
    child = subprocess.run([sys.executable, "-c", script], cwd=root, env={**os.environ, "PYTHONPATH": str(root)})
    assert child.returncode == -9
    previous = (tmp_path / "CURRENT").read_text(encoding="utf-8").strip()
    half_written = {p.name for p in tmp_path.glob("v-*")} - {previous}
    assert len(half_written) == 1  # the half-written version is left behind ...
    loaded = VectorIndex.load(tmp_path)  # ... and ignored
    assert loaded.manifest["checksum"] == "old" and len(loaded) == N
    loaded.save(tmp_path, {"checksum": "again"})  # the next save clears it away, keeping only the previous one
    left = {p.name for p in tmp_path.glob("v-*")}
    assert previous in left and not (half_written & left) and len(left) == 2


def test_a_save_keeps_the_previous_version_for_readers_that_just_read_current(vectors, tmp_path):
    index = VectorIndex().build(IDS, vectors)
    index.save(tmp_path, {"checksum": "first"})
    first = (tmp_path / "CURRENT").read_text(encoding="utf-8").strip()
    index.save(tmp_path, {"checksum": "second"})
    assert (tmp_path / first / "manifest.json").exists()
    index.save(tmp_path, {"checksum": "third"})
    assert not (tmp_path / first).exists()


def test_manifest_keys_the_index_writes_itself_are_refused(vectors, tmp_path):
    with pytest.raises(ValueError, match="reserved"):
        make("exact", vectors).save(tmp_path, {"dimension": 3})


def test_a_manifest_that_is_not_json_is_refused_before_anything_is_written(vectors, tmp_path):
    with pytest.raises(ValueError, match="JSON"):
        make("exact", vectors).save(tmp_path, {"when": object()})
    assert list(tmp_path.iterdir()) == []


def test_a_saved_index_whose_vectors_do_not_match_its_manifest_is_refused(vectors, tmp_path):
    make("exact", vectors).save(tmp_path, {})
    version = tmp_path / (tmp_path / "CURRENT").read_text().strip()
    np.save(version / "vectors.npy", vectors[:-1].astype(np.float64))
    with pytest.raises(ValueError, match="manifest says"):
        VectorIndex.load(tmp_path)


def test_loading_from_a_folder_without_an_index_fails_clearly(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved index"):
        VectorIndex.load(tmp_path)


def test_check_manifest_names_every_field_that_differs():
    manifest = {"model": "minilm", "dimension": 384, "checksum": "abc"}
    check_manifest(manifest, {"model": "minilm", "dimension": 384})
    with pytest.raises(IndexMismatchError, match="model is 'minilm', expected 'tfidf'") as info:
        check_manifest(manifest, {"model": "tfidf", "dimension": 384, "checksum": "xyz", "facet": "seeks"})
    assert info.value.fields == ("model", "checksum", "facet")
    assert "facet is missing" in str(info.value)


# ------------------------------------------------------------------------------------------------- threads


def test_a_change_made_during_a_search_neither_waits_for_it_nor_disturbs_it(vectors, monkeypatch):
    index = make("exact", vectors)
    changed: list[bool] = []

    def scan_then_remove(*args: object, **kwargs: object) -> object:
        found = top_rows(*args, **kwargs)  # type: ignore[arg-type]
        # Halfway through the search, another thread removes the very profile this search has just found.
        remover = threading.Thread(target=index.remove, args=(["p0123"],))
        remover.start()
        remover.join(timeout=30)
        changed.append(not remover.is_alive())
        return found

    monkeypatch.setattr("matcher.index.top_rows", scan_then_remove)
    result = index.search(vectors[123], k=1)
    assert changed == [True]  # the removal did not wait for the search to end ...
    assert result.ids == [["p0123"]]  # ... and the search answered from the contents it started with
    assert "p0123" not in index


def test_searches_run_safely_while_profiles_change(vectors, queries):
    index = make("hnsw", vectors, rebuild_fraction=0.05)
    errors: list[BaseException] = []
    results: list[SearchResult] = []
    stop = threading.Event()

    def searcher() -> None:
        try:
            while not stop.is_set():
                results.append(index.search(queries[:4], k=10))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for i in range(0, 300, 10):  # removals (with compactions), updates and additions
        index.remove(IDS[i : i + 5])
        index.update(IDS[i + 5 : i + 7], vectors[i + 7 : i + 9])
        index.add([f"new{i}"], vectors[i : i + 1])
    stop.set()
    for thread in threads:
        thread.join()
    assert not errors
    assert results and all(len(row) == 10 for r in results for row in r.ids)
    assert len(index) == N - 150 + 30
