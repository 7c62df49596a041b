# cmake -DSOURCE_DIR=<repo>/web -DDEST_DIR=<build>/web -P copy_web.cmake
# Copies the app and the dist files of the npm packages it uses (web/package.json, installed by
# scripts/install-web-deps.sh). file(COPY) skips files whose timestamp is unchanged, so the
# ETag of an unchanged file stays the same across builds.
file(COPY ${SOURCE_DIR}/index.html DESTINATION ${DEST_DIR})
file(COPY ${SOURCE_DIR}/app DESTINATION ${DEST_DIR})

set(modules ${SOURCE_DIR}/node_modules)
# <package file> <name in app/vendor>
set(vendor
  hls.js/dist/hls.min.mjs hls.min.mjs
  hls.js/LICENSE hls.js.LICENSE.txt
  tus-js-client/dist/tus.min.js tus.min.js
  tus-js-client/LICENSE tus-js-client.LICENSE.txt)
set(missing "")
file(MAKE_DIRECTORY ${DEST_DIR}/app/vendor)
while(vendor)
  list(POP_FRONT vendor from to)
  if(EXISTS ${modules}/${from})
    file(COPY_FILE ${modules}/${from} ${DEST_DIR}/app/vendor/${to} ONLY_IF_DIFFERENT)
  else()
    list(APPEND missing ${from})
  endif()
endwhile()
if(missing)
  message(WARNING "web app: missing ${missing}; run scripts/install-web-deps.sh (make web) and "
    "build again, or the player and uploads will not work")
endif()
