import { register } from "node:module";

register("./node-loader.ts", import.meta.url);
