// Copyright StreamGate authors. SPDX-License-Identifier: Apache-2.0
//
// Config: loaded by the library's own LoadConfig, so Python sees exactly the keys, defaults,
// validation and error messages of the shells. streamgate/config.py turns a dict into a JSON
// config file and calls load_config with "--config <file>".
#include "common.h"
#include "streamgate/config.h"

namespace streamgate::python {

void BindConfig(py::module_& m) {
  py::class_<Config>(m, "Config", "Every setting of a StreamGate process (see config_keys()).")
      .def(py::init<>())
      .def_readwrite("service", &Config::service)
      .def_readwrite("data_dir", &Config::data_dir)
      .def_property(
          "server_host", [](const Config& c) { return c.server.host; },
          [](Config& c, std::string host) { c.server.host = std::move(host); })
      .def_property(
          "server_port", [](const Config& c) { return c.server.port; },
          [](Config& c, uint16_t port) { c.server.port = port; })
      .def("to_json", &ConfigToJson, "The effective configuration as JSON text.")
      .def("validate", [](const Config& c) { Check(ValidateConfig(c)); })
      .def("__repr__", [](const Config& c) {
        return "Config(service='" + c.service + "', data_dir='" + c.data_dir + "', server='" +
               c.server.host + ":" + std::to_string(c.server.port) + "')";
      });

  m.def(
      "load_config",
      [](std::vector<std::string> args, std::optional<std::map<std::string, std::string>> env) {
        ConfigSources sources;
        sources.args = std::move(args);
        sources.environment = std::move(env);
        return Unwrap(LoadConfig(sources));
      },
      py::arg("args") = std::vector<std::string>{}, py::arg("environment") = py::none(),
      "Defaults, then --config FILE, then the environment (None: the process's), then flags.");

  py::class_<ConfigKeyInfo> key_cls(m, "ConfigKeyInfo");
  key_cls.def_readonly("key", &ConfigKeyInfo::key)
      .def_readonly("env", &ConfigKeyInfo::env)
      .def_readonly("type", &ConfigKeyInfo::type)
      .def_readonly("default_value", &ConfigKeyInfo::default_value)
      .def_readonly("description", &ConfigKeyInfo::description);
  AddRepr(key_cls, "ConfigKeyInfo", {"key", "env", "type", "default_value"});
  m.def("config_keys", &DescribeConfigKeys, "One entry per configuration key.");

  m.def(
      "configure_logging",
      [](const std::string& level, const std::string& format, bool access_log) {
        LogOptions options;
        options.level = Unwrap(ParseLogLevel(level));
        if (format == "json") {
          options.format = LogFormat::kJson;
        } else if (format != "text") {
          Check(Status::InvalidArgument("log format must be \"text\" or \"json\""));
        }
        options.access_log = access_log;
        Check(ConfigureLogging(options));
      },
      py::kw_only(), py::arg("level") = "info", py::arg("format") = "text",
      py::arg("access_log") = true, "Replaces the process-wide logger (stderr).");
  m.def(
      "log",
      [](const std::string& level, const std::string& component, const std::string& message) {
        Log(Unwrap(ParseLogLevel(level)), component, message);
      },
      py::arg("level"), py::arg("component"), py::arg("message"));
}

}  // namespace streamgate::python
