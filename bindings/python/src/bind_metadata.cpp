// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// MetadataStore: the content catalogue. Every call blocks on SQLite, so the GIL is released;
// patches are keyword arguments (absent = unchanged), pages carry a cursor.
#include "common.h"
#include "streamgate/metadata_store.h"

namespace streamgate::python {
namespace {

// Closing (destruction) waits for calls in progress; close() lets Python do it early.
struct PyMetadataStore {
  std::unique_ptr<MetadataStore> store;
  MetadataStore& get() {
    if (!store) Check(Status::FailedPrecondition("the metadata store is closed"));
    return *store;
  }
};

template <class T>
std::optional<T> Opt(const py::object& value) {
  if (value.is_none()) return std::nullopt;
  return value.cast<T>();
}

std::optional<ContentState> OptState(const py::object& value) {
  if (value.is_none()) return std::nullopt;
  if (py::isinstance<py::str>(value)) {
    return Unwrap(ParseContentState(value.cast<std::string>()));
  }
  return value.cast<ContentState>();
}

ContentPatch MakePatch(const py::kwargs& fields) {
  ContentPatch patch;
  for (const auto& [key_handle, value_handle] : fields) {
    const std::string key = py::str(key_handle);
    const py::object value = py::reinterpret_borrow<py::object>(value_handle);
    if (key == "title")
      patch.title = Opt<std::string>(value);
    else if (key == "description")
      patch.description = Opt<std::string>(value);
    else if (key == "tags")
      patch.tags = Opt<std::vector<std::string>>(value);
    else if (key == "duration_s")
      patch.duration_s = Opt<double>(value);
    else if (key == "state")
      patch.state = OptState(value);
    else if (key == "renditions_json")
      patch.renditions_json = Opt<std::string>(value);
    else if (key == "gating_rule_json")
      patch.gating_rule_json = Opt<std::string>(value);
    else if (key == "poster_key")
      patch.poster_key = Opt<std::string>(value);
    else if (key == "hls_key")
      patch.hls_key = Opt<std::string>(value);
    else if (key == "dash_key")
      patch.dash_key = Opt<std::string>(value);
    else if (key == "only_if_state")
      patch.only_if_state = OptState(value);
    else
      throw py::type_error("unknown content field \"" + key + "\"");
  }
  return patch;
}

}  // namespace

void BindMetadata(py::module_& m) {
  py::enum_<ContentState>(m, "ContentState")
      .value("UPLOADING", ContentState::kUploading)
      .value("UPLOADED", ContentState::kUploaded)
      .value("PROCESSING", ContentState::kProcessing)
      .value("READY", ContentState::kReady)
      .value("FAILED", ContentState::kFailed)
      .def_property_readonly("label",
                             [](ContentState s) { return std::string(ContentStateName(s)); });

  py::class_<ContentItem> item_cls(m, "ContentItem", "One catalogue entry.");
  item_cls.def(py::init<>())
      .def_readwrite("id", &ContentItem::id)
      .def_readwrite("owner", &ContentItem::owner)
      .def_readwrite("title", &ContentItem::title)
      .def_readwrite("description", &ContentItem::description)
      .def_readwrite("tags", &ContentItem::tags)
      .def_readwrite("duration_s", &ContentItem::duration_s)
      .def_readwrite("state", &ContentItem::state)
      .def_readwrite("renditions_json", &ContentItem::renditions_json)
      .def_readwrite("gating_rule_json", &ContentItem::gating_rule_json)
      .def_readwrite("poster_key", &ContentItem::poster_key)
      .def_readwrite("hls_key", &ContentItem::hls_key)
      .def_readwrite("dash_key", &ContentItem::dash_key)
      .def_readonly("created_unix_ms", &ContentItem::created_unix_ms)
      .def_readonly("updated_unix_ms", &ContentItem::updated_unix_ms);
  AddRepr(item_cls, "ContentItem", {"id", "owner", "title", "tags", "state", "duration_s"});

  py::class_<ContentPage> page_cls(m, "ContentPage");
  page_cls.def_readonly("items", &ContentPage::items)
      .def_readonly("next_cursor", &ContentPage::next_cursor)
      .def("__len__", [](const ContentPage& p) { return p.items.size(); })
      .def(
          "__iter__", [](const ContentPage& p) { return py::make_iterator(p.items); },
          py::keep_alive<0, 1>());
  AddRepr(page_cls, "ContentPage", {"items", "next_cursor"});

  const MetadataStoreOptions defaults;
  py::class_<PyMetadataStore>(m, "MetadataStore", "The content catalogue (SQLite at `path`).")
      .def(py::init([](const std::string& path, std::size_t max_page_size,
                       std::size_t reader_connections, const py::object& on_change) {
             MetadataStoreOptions options;
             options.path = path;
             options.max_page_size = max_page_size;
             options.reader_connections = reader_connections;
             if (!on_change.is_none()) {
               PyCallable fn(on_change);
               options.on_change = [fn](const std::string& id) {
                 py::gil_scoped_acquire gil;
                 try {
                   fn(id);
                 } catch (py::error_already_set& e) {
                   e.discard_as_unraisable("streamgate.MetadataStore on_change");
                 }
               };
             }
             py::gil_scoped_release release;
             return PyMetadataStore{Unwrap(MetadataStore::Open(options))};
           }),
           py::arg("path"), py::kw_only(), py::arg("max_page_size") = defaults.max_page_size,
           py::arg("reader_connections") = defaults.reader_connections,
           py::arg("on_change") = py::none())
      .def(
          "create",
          [](PyMetadataStore& s, ContentItem item) {
            py::gil_scoped_release release;
            return Unwrap(s.get().Create(std::move(item)));
          },
          py::arg("item"))
      .def(
          "get",
          [](PyMetadataStore& s, const std::string& id) {
            py::gil_scoped_release release;
            return Unwrap(s.get().Get(id));
          },
          py::arg("id"))
      .def(
          "update",
          [](PyMetadataStore& s, const std::string& id, const std::string& caller,
             const py::kwargs& fields) {
            ContentPatch patch = MakePatch(fields);
            py::gil_scoped_release release;
            return Unwrap(s.get().Update(id, patch, caller));
          },
          py::arg("id"), py::kw_only(), py::arg("caller"),
          "Applies the keyword fields when `caller` owns the item (PermissionDeniedError).")
      .def(
          "update_trusted",
          [](PyMetadataStore& s, const std::string& id, const py::kwargs& fields) {
            ContentPatch patch = MakePatch(fields);
            py::gil_scoped_release release;
            return Unwrap(s.get().UpdateTrusted(id, patch));
          },
          py::arg("id"))
      .def(
          "delete",
          [](PyMetadataStore& s, const std::string& id, const std::string& caller) {
            py::gil_scoped_release release;
            Check(s.get().Delete(id, caller));
          },
          py::arg("id"), py::kw_only(), py::arg("caller"))
      .def(
          "list",
          [](PyMetadataStore& s, const py::object& owner, const py::object& state,
             std::size_t limit, std::string cursor) {
            ContentListQuery query;
            query.owner = Opt<std::string>(owner);
            query.state = OptState(state);
            query.limit = limit;
            query.cursor = std::move(cursor);
            py::gil_scoped_release release;
            return Unwrap(s.get().List(query));
          },
          py::kw_only(), py::arg("owner") = py::none(), py::arg("state") = py::none(),
          py::arg("limit") = 20, py::arg("cursor") = "")
      .def(
          "search",
          [](PyMetadataStore& s, std::string text, std::size_t limit, std::string cursor) {
            ContentSearchQuery query{std::move(text), limit, std::move(cursor)};
            py::gil_scoped_release release;
            return Unwrap(s.get().Search(query));
          },
          py::arg("text"), py::kw_only(), py::arg("limit") = 20, py::arg("cursor") = "")
      .def("count",
           [](PyMetadataStore& s) {
             py::gil_scoped_release release;
             return Unwrap(s.get().Count());
           })
      .def("close", [](PyMetadataStore& s) {
        py::gil_scoped_release release;
        s.store.reset();
      });
}

}  // namespace streamgate::python
