# Embeds a text file in the program as a C++ raw string literal, at build time:
#   cmake -DINPUT=file.js -DOUTPUT=file_js.cc -DHEADER=dir/header.h
#         -DFUNCTION=ns::name -P EmbedText.cmake
# writes OUTPUT defining `const char* FUNCTION()` (declared in HEADER), which
# returns a newline followed by INPUT's bytes, so that text placed in an
# element such as "<script>{}</script>" starts on a line of its own.
# The raw string's delimiter is chosen so that its closing sequence
# `)DELIMITER"` does not occur in the text. src/report/CMakeLists.txt shows
# the add_custom_command that runs it.
cmake_minimum_required(VERSION 3.25)
foreach(arg INPUT OUTPUT HEADER FUNCTION)
  if(NOT DEFINED ${arg})
    message(FATAL_ERROR "EmbedText.cmake: -D${arg}=... is required")
  endif()
endforeach()

file(READ "${INPUT}" text)
set(delimiter "embed")
set(attempt 0)
string(FIND "${text}" ")${delimiter}\"" found)
while(NOT found EQUAL -1)
  math(EXPR attempt "${attempt} + 1")
  set(delimiter "embed${attempt}")
  string(FIND "${text}" ")${delimiter}\"" found)
endwhile()

get_filename_component(input_name "${INPUT}" NAME)
set(generated "// Generated at build time from ${input_name} by cmake/EmbedText.cmake: edit
// ${input_name}, not this file.
#include \"${HEADER}\"

const char* ${FUNCTION}() {
  return R\"${delimiter}(
${text})${delimiter}\";
}
")
file(WRITE "${OUTPUT}" "${generated}")
