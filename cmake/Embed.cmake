# Embeds file IN as a C++ string constant SYMBOL in namespace hoso::embedded.
file(READ ${IN} content HEX)
string(LENGTH "${content}" hexlen)
math(EXPR len "${hexlen} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE ${OUT} "// Generated from ${IN}; do not edit.\n#include <string_view>\nnamespace hoso::embedded {\nstatic const char kData[] = {${bytes} 0};\nextern const std::string_view ${SYMBOL}(kData, ${len});\n}\n")
