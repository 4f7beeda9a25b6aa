import { listen, unlisten } from "./EventDispatch.ts";
import { expectOk, type WifiMessage } from "./HostPort.ts";
import { hostPort } from "./port.ts";

interface WiFiOptions {
  ssid: string;
  password?: string;
}

/**
 * Moddable's `wifi` module in station mode, for a simulated board: joining goes to the host's
 * simulated access point, and what it reports (connect, gotIP, lostIP, disconnect) reaches the
 * callback in board time.
 */
export default class WiFi {
  static readonly gotIP = "gotIP";
  static readonly lostIP = "lostIP";
  static readonly connected = "connect";
  static readonly disconnected = "disconnect";
  static readonly Mode = { off: -5, none: 0, station: 1, accessPoint: 2 } as const;
  static mode = 1;

  #closed = false;

  constructor(options: WiFiOptions, callback?: (message: WifiMessage) => void) {
    listen("wifi", (event) => {
      if (!this.#closed && event.kind === "wifi") callback?.(event.message);
    });
    expectOk(hostPort().request({ op: "wifi.connect", ssid: options.ssid, password: options.password ?? "" }), `Wi-Fi join "${options.ssid}"`);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    unlisten("wifi");
    hostPort().request({ op: "wifi.close" });
  }
}
