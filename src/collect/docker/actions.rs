//! The operator's container actions, as the executor runs them.

use bollard::Docker;
use bollard::query_parameters::{
    KillContainerOptionsBuilder, RestartContainerOptionsBuilder, StartContainerOptions,
    StopContainerOptionsBuilder,
};

use super::describe;
use crate::model::containers::ContainerAction;

/// Seconds the engine waits for a graceful stop before it kills the container.
const STOP_TIMEOUT_SECONDS: i32 = 10;

/// Performs `action` on container `id`. Ok carries a short summary (`restarted <id>`); Err the
/// engine's own message, e.g. `Container abc is not paused`.
pub async fn run_action(
    docker: &Docker,
    id: &str,
    action: ContainerAction,
) -> Result<String, String> {
    let done = match action {
        ContainerAction::Restart => {
            let options = RestartContainerOptionsBuilder::default()
                .t(STOP_TIMEOUT_SECONDS)
                .build();
            docker.restart_container(id, Some(options)).await
        }
        ContainerAction::Stop => {
            let options = StopContainerOptionsBuilder::default()
                .t(STOP_TIMEOUT_SECONDS)
                .build();
            docker.stop_container(id, Some(options)).await
        }
        ContainerAction::Start => {
            docker
                .start_container(id, None::<StartContainerOptions>)
                .await
        }
        ContainerAction::Pause => docker.pause_container(id).await,
        ContainerAction::Unpause => docker.unpause_container(id).await,
        ContainerAction::Kill => {
            let options = KillContainerOptionsBuilder::default()
                .signal("SIGKILL")
                .build();
            docker.kill_container(id, Some(options)).await
        }
    };
    done.map(|()| format!("{} {id}", action.past()))
        .map_err(|e| describe(&e))
}
