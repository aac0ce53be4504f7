#pragma once

#include <mstch/mstch.hpp>
#include <string>

#include "core/config.h"
#include "core/templates/template_set.h"
#include "generator/summaries/summary_model.h"

namespace portal {

// The patient's summary as one self-contained HTML document (site_templates/summary.mustache).
// Every value from the record is printed escaped. Its first <style> holds no value (the same
// bytes for every patient); the print header's text is in a second, <style data-print-header>.
std::string RenderSummaryPage(const PortalConfig& config, const TemplateSet& templates,
                              const SummaryModel& model);

}  // namespace portal
