# Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
"""MetadataStore (create/get/update/list/search with cursors) and Cache (bytes, TTL)."""

import time

import pytest

import streamgate
from streamgate import ContentItem, ContentState


def item(title, owner="0xabc", tags=(), description=""):
    it = ContentItem()
    it.title, it.owner, it.tags, it.description = title, owner, list(tags), description
    return it


@pytest.fixture
def store(tmp_path):
    changes = []
    with streamgate.MetadataStore(str(tmp_path / "metadata.db"),
                                  on_change=changes.append) as s:
        yield s, changes


def test_create_get_update_delete(store):
    store, changes = store
    created = store.create(item("Quick brown fox", tags=["nature", "fox"]))
    assert len(created.id) == 32 and created.state == ContentState.UPLOADING
    assert created.created_unix_ms > 0
    assert store.get(created.id).title == "Quick brown fox"
    assert repr(created).startswith("ContentItem(id='")
    assert changes == [created.id]

    updated = store.update(created.id, caller="0xabc", title="Quick red fox",
                           state="ready", duration_s=12.5)
    assert (updated.title, updated.state, updated.duration_s) == (
        "Quick red fox", ContentState.READY, 12.5)
    assert updated.tags == ["nature", "fox"]  # absent fields unchanged

    with pytest.raises(streamgate.PermissionDeniedError):
        store.update(created.id, caller="0xevil", title="mine now")
    with pytest.raises(streamgate.FailedPreconditionError):
        store.update_trusted(created.id, state=ContentState.PROCESSING,
                             only_if_state=ContentState.UPLOADED)
    with pytest.raises(TypeError):
        store.update(created.id, caller="0xabc", colour="red")
    with pytest.raises(streamgate.AlreadyExistsError):
        dup = item("dup")
        dup.id = created.id
        store.create(dup)

    store.delete(created.id, caller="0xabc")
    with pytest.raises(streamgate.NotFoundError):
        store.get(created.id)
    assert store.count() == 0


def test_search_ranks_and_pages_with_cursors(store):
    store, _ = store
    store.create(item("Sunset over the sea", tags=["sea"]))
    store.create(item("Fox documentary", description="foxes in the wild", tags=["fox"]))
    store.create(item("Cooking pasta", description="a fox appears once"))
    store.create(item("Mountain hike", tags=["outdoor"]))

    page = store.search("fox")
    titles = [i.title for i in page]
    assert titles[0] == "Fox documentary"  # title match ranks first
    assert set(titles) == {"Fox documentary", "Cooking pasta"}
    assert [i.title for i in store.search("tag:sea")] == ["Sunset over the sea"]
    assert [i.title for i in store.search("mount*")] == ["Mountain hike"]
    assert len(store.search("\"fox OR sea\" -- drop")) == 0  # operators are separators
    with pytest.raises(streamgate.InvalidArgumentError):
        store.search("x" * 1000)

    seen, cursor = [], ""
    while True:
        page = store.list(limit=3, cursor=cursor)
        seen += [i.title for i in page.items]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == 4 and len(set(seen)) == 4
    assert seen[0] == "Mountain hike"  # newest first
    assert len(store.list(owner="0xnobody")) == 0
    assert len(store.list(state=ContentState.UPLOADING, limit=10)) == 4


def test_cache_bytes_ttl_take_prefix():
    cache = streamgate.new_lru_cache(max_bytes=1 << 20)
    assert cache.backend == "lru"
    cache.set("a", b"\x00\xffbinary")
    cache.set("s", "text")  # str is stored as UTF-8
    assert cache.get("a") == b"\x00\xffbinary"
    assert cache.get("s") == b"text"
    assert cache.get("missing") is None and cache.get("missing", b"d") == b"d"
    assert "a" in cache and "missing" not in cache
    with pytest.raises(KeyError):
        cache["missing"]

    cache.set("short", b"v", ttl_ms=50)
    assert cache.get("short") == b"v"
    time.sleep(0.2)
    assert cache.get("short") is None, "entry outlived its TTL"

    assert cache.set_if_absent("once", b"1") is True
    assert cache.set_if_absent("once", b"2") is False
    assert cache.take("once") == b"1"
    with pytest.raises(streamgate.NotFoundError):
        cache.take("once")

    cache.set("content:1:a", b"x")
    cache.set("content:1:b", b"y")
    cache.set("content:2:a", b"z")
    assert cache.delete_prefix("content:1:") == 2
    assert cache.get("content:2:a") == b"z"
    assert cache.delete("content:2:a") is True and cache.delete("content:2:a") is False
    stats = cache.stats()
    assert stats.hits >= 4 and stats.misses >= 3 and stats.entries == 2
    with pytest.raises(streamgate.InvalidArgumentError):
        cache.set("", b"x")
    with pytest.raises(streamgate.ResourceExhaustedError):
        streamgate.new_lru_cache(max_value_bytes=4).set("k", b"too large")
