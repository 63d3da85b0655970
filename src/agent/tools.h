// Factories for the built-in tools; each lives in its own file.
#pragma once

#include <memory>

#include "agent/tool.h"

namespace loom::agent {

std::unique_ptr<Tool> make_shell_tool();        // shell_tool.cc
std::unique_ptr<Tool> make_read_file_tool();    // file_tools.cc
std::unique_ptr<Tool> make_write_file_tool();   // file_tools.cc
std::unique_ptr<Tool> make_list_dir_tool();     // file_tools.cc
std::unique_ptr<Tool> make_apply_patch_tool();  // apply_patch_tool.cc
std::unique_ptr<Tool> make_search_tool();       // search_tool.cc
std::unique_ptr<Tool> make_update_plan_tool();  // plan_tool.cc
std::unique_ptr<Tool> make_calculator_tool();   // calculator_tool.cc

}  // namespace loom::agent
