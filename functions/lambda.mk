# Shared by every functions/<phase>/Makefile. `sam build` (build_in_source, see
# samconfig.toml) runs `make build-<LogicalId>` in functions/<phase>/ with
# ARTIFACTS_DIR set. SAM's Maven builder cannot see the reactor's sibling
# modules, so the Maven reactor builds the phase (and common) here instead.
#
# Artifact = the java21 layout: lib/*.jar (the phase's jar + runtime deps, the SDK service
# modules and BouncyCastle shrunk by `mvn package`: scripts/shrink_jars.py, proguard.pro),
# rewritten with stored entries (scripts/store_jars.py says why; scripts/artifact_sizes.py
# measures it).
# With PALISADE_RUNTIME=provided.al2023 (the local emulator, no Docker) it also
# gets bootstrap + the Runtime Interface Client + a private copy of its JNI lib.
ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
MODULE := $(notdir $(CURDIR))
LIB := target/lambda/lib
# the phase's jar from the last Maven build, if any (rebuilt when a source or a pom, the root
# one included, or the shrinking rules or script are newer; the lib folder is emptied first,
# so a changed dependency version never ships beside the old one)
JAR := $(firstword $(wildcard $(LIB)/palisade-*.jar))

.PHONY: lambda
lambda:
	@if [ -z "$(JAR)" ] || \
	    [ -n "$$(find src ../common/src pom.xml ../common/pom.xml "$(ROOT)/pom.xml" ../proguard.pro \
	        "$(ROOT)/scripts/shrink_jars.py" -newer $(JAR) -type f 2>/dev/null | head -n1)" ]; then \
	  rm -rf $(LIB); \
	  "$(ROOT)/palisade" maven -q -pl functions/$(MODULE) -am package -DskipTests; \
	fi
	mkdir -p "$(ARTIFACTS_DIR)/lib"
	cp $(LIB)/*.jar "$(ARTIFACTS_DIR)/lib/"
	@if [ "$${PALISADE_RUNTIME:-java21}" = provided.al2023 ]; then \
	  cp target/ric/*.jar "$(ARTIFACTS_DIR)/lib/"; \
	  install -m 755 "$(ROOT)/scripts/harness/lambda-bootstrap" "$(ARTIFACTS_DIR)/bootstrap"; \
	  unzip -q -o target/ric/aws-lambda-java-runtime-interface-client-*.jar 'jni/libaws-lambda-jni.linux-*' -d "$(ARTIFACTS_DIR)"; \
	fi
	# jars with stored entries: the artifact zip compresses each as one stream (~40 % smaller)
	python3 "$(ROOT)/scripts/store_jars.py" "$(ARTIFACTS_DIR)/lib"
