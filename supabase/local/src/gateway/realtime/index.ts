import type { GatewayDeps, UpgradeService } from "../types.ts";
import type { RealtimeControl } from "../server.ts";

/** Supabase Realtime (to be implemented). */
export async function createRealtimeService(_deps: GatewayDeps): Promise<UpgradeService & RealtimeControl> {
  return {
    handleUpgrade: (_req, socket) => socket.destroy(),
    dropConnections: () => {},
    setDeliveryPaused: () => {},
    close: async () => {},
  };
}
