import { readHostConfig } from "./HostConfig.ts";

/** Moddable's `mc/config`: the board manifest's `config`, frozen as on the device. */
const config = Object.freeze({ file: { root: "/" }, ...readHostConfig().config });

export default config;
