// Finds a software Vulkan driver (Mesa's lavapipe, SwiftShader) for tests, CI and the bench's
// --quick mode, so WebGPU can run on a machine without a GPU. Never used for real training.
import { existsSync } from 'node:fs';

/** ICD manifests of software Vulkan drivers Debian installs (mesa-vulkan-drivers, chromium-common). */
export const SOFTWARE_ICD_CANDIDATES: readonly string[] = [
  '/usr/share/vulkan/icd.d/lvp_icd.json',
  '/usr/share/vulkan/icd.d/lvp_icd.x86_64.json',
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/x86_64-linux-gnu/chromium/vk_swiftshader_icd.json',
];

/** The first software ICD manifest that exists, or null. */
export function findSoftwareVulkanIcd(exists: (p: string) => boolean = existsSync): string | null {
  return SOFTWARE_ICD_CANDIDATES.find((p) => exists(p)) ?? null;
}

/**
 * Points Vulkan at a software driver when VK_ICD_FILENAMES is unset and one is installed (call
 * before Dawn loads). Returns the manifest used, or null (nothing found, or already set).
 */
export function useSoftwareVulkanIfUnset(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.VK_ICD_FILENAMES) return null;
  const icd = findSoftwareVulkanIcd();
  if (icd) env.VK_ICD_FILENAMES = icd;
  return icd;
}
