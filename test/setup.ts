/**
 * Loaded before every test file (`--import ./test/setup.ts`, set by scripts/test.ts, and by the
 * Playwright config). Nodes started by tests keep their networking on 127.0.0.1: no LAN
 * multicast (mDNS), no router requests (UPnP), no listener on other interfaces.
 */
process.env.NOESIS_LOOPBACK_ONLY = '1';
