#pragma once

#include <mstch/mstch.hpp>
#include <string>

#include "core/config.h"
#include "generator/summary_model.h"
#include "generator/template_set.h"

namespace portal {

// The patient's summary as one self-contained HTML document (site_templates/summary.mustache).
// Every value from the record is printed escaped.
std::string RenderSummaryPage(const PortalConfig& config, const TemplateSet& templates,
                              const SummaryModel& model);

}  // namespace portal
