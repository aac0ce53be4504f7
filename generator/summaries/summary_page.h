#pragma once

#include <mstch/mstch.hpp>
#include <string>

#include "core/config.h"
#include "core/templates/template_set.h"
#include "generator/summaries/summary_model.h"

namespace portal {

// The patient's summary as one self-contained HTML document (site_templates/summary.mustache).
// Every value from the record is printed escaped.
std::string RenderSummaryPage(const PortalConfig& config, const TemplateSet& templates,
                              const SummaryModel& model);

}  // namespace portal
