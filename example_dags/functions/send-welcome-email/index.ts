// Sends the welcome email for a new sign-up. Its secrets (SMTP_PASSWORD, INTERNAL_API_KEY) are kept in
// sync by the supabase_rotate_secrets example DAG; Supabase exposes them to the function as env vars.
import { welcomeEmail } from "./template.ts";

Deno.serve(async (req: Request) => {
  if (req.headers.get("x-internal-api-key") !== Deno.env.get("INTERNAL_API_KEY")) {
    return new Response("Forbidden", { status: 403 });
  }
  const { email, name } = await req.json();
  const message = welcomeEmail(name ?? "there");
  // A real function would hand `message` to an SMTP client using Deno.env.get("SMTP_PASSWORD").
  return new Response(JSON.stringify({ to: email, subject: message.subject, queued: true }), {
    headers: { "Content-Type": "application/json" },
  });
});
