export function welcomeEmail(name: string): { subject: string; text: string } {
  return {
    subject: `Welcome aboard, ${name}!`,
    text: `Hi ${name},\n\nThanks for signing up. Reply to this email if you need anything.\n`,
  };
}
