#!/usr/bin/env bash
# The suites scripts/test runs a second time with their test clouds on PostgreSQL
# (SC_TEST_DATABASE=postgres): every route suite, the commune-scoping suites (issue 10: what a
# commune's people see and change, filtered in SQL) and two province e2e suites in Chromium. The
# store suites already run on both databases in the first pass (forEachDatabase). Paths relative
# to the repository, as vitest's file filters.
POSTGRES_SUITES=(
  $(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && find cloud/src -name '*-routes.test.ts' | sort)
  cloud/src/broker/mosquitto/mosquitto-isolation.test.ts
  cloud/src/audit/audit-communes.test.ts
  cloud/src/http/client-address.test.ts
  cloud/src/communes/commune-walk.test.ts
  cloud/src/console/public/province-pages.test.ts
  cloud/src/fleet/fleet-scope.test.ts
  cloud/src/incidents/commune-scope.test.ts
  cloud/src/notifications/commune-notifications.test.ts
  cloud/src/radio/alerts/alerts-communes.test.ts
  cloud/src/radio/live/live-communes.test.ts
  cloud/src/radio/scope/province-radio.test.ts
  cloud/src/reports/report-scope.test.ts
  cloud/src/users/users-scope.test.ts
  cloud/src/console/e2e/province-radio.test.ts
  cloud/src/console/e2e/province-citizen.test.ts
)
