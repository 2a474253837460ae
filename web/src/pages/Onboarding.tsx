import { useAuth, useUser } from "../auth";
import { PreferencesForm } from "../components/PreferencesForm";
import { navigate } from "../router";

export default function Onboarding() {
  const user = useUser();
  const { setUser } = useAuth();
  return (
    <section className="card narrow">
      <h1>Welcome, {user.name}</h1>
      <p className="muted">Tell us how you eat. The defaults work for most people; you can change them any time in Account.</p>
      <PreferencesForm
        user={user}
        submitLabel="Save and plan my week"
        onSaved={(u) => {
          setUser(u);
          navigate("/plan");
        }}
      />
    </section>
  );
}
