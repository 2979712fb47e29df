/// <reference no-default-lib="true" />
/// <reference lib="deno.worker" />
// Worker of testdata/timer_slack_child.ts: posts its own timer slack (ns).
import { getTimerSlack } from "../timer_slack.ts";

postMessage(getTimerSlack());
self.close();
