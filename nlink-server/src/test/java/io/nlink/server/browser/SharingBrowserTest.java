package io.nlink.server.browser;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;

/**
 * Sharing in a real browser: the owner shares a workflow and a credential with the member ana
 * through their pages' Share dialogs; ana then sees both marked as shared with her, without the
 * controls a sharee may not use (Delete and Share on the workflow; Change, Delete and Share on the
 * credential), while her own credential keeps them; the member bo, shared nothing, finds neither.
 */
class SharingBrowserTest extends BrowserTestBase {
    static final String WORKFLOW = "{\"name\": \"Team report\", \"nodes\": ["
            + "{\"name\": \"Start\", \"type\": \"n8n-nodes-base.manualTrigger\", \"position\": [0, 0], \"parameters\": {}},"
            + "{\"name\": \"Pass\", \"type\": \"n8n-nodes-base.noOp\", \"position\": [220, 0], \"parameters\": {}}],"
            + " \"connections\": {\"Start\": {\"main\": [[{\"node\": \"Pass\", \"type\": \"main\", \"index\": 0}]]}}}";

    String workflowUrl;
    String credentialUrl;

    @Test
    @Order(1)
    void theOwnerSharesAWorkflowWithANamedAccount() {
        setUpOwner();
        createMember("ana");
        createMember("bo");

        driver.get(server.url() + "/#/workflows");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("import-json")))
                .sendKeys(WORKFLOW);
        driver.findElement(By.id("import-submit")).click();
        slow.until(ExpectedConditions.urlMatches("#/workflows/\\d+$"));
        workflowUrl = driver.getCurrentUrl();
        wait.until(ExpectedConditions.textToBe(By.id("workflow-shared-with"), "Not shared with anyone."));
        assertThat(driver.findElements(By.id("workflow-delete"))).hasSize(1);

        driver.findElement(By.id("workflow-share")).click();
        WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("workflow-share-dialog")));
        // A name with no account: the server's refusal is shown in the dialog, and nothing is shared.
        dialog.findElement(By.id("share-name")).sendKeys("nobody-here");
        dialog.findElement(By.id("share-add")).click();
        dialog.findElement(By.id("share-save")).click();
        assertThat(wait.until(ExpectedConditions.visibilityOfNestedElementsLocatedBy(
                                dialog, By.cssSelector(".banner-error")))
                        .get(0)
                        .getText())
                .contains("there is no account named \"nobody-here\"");
        dialog.findElement(By.cssSelector("#share-list li[data-user='nobody-here'] .share-remove"))
                .click();
        dialog.findElement(By.id("share-name")).sendKeys("ana");
        dialog.findElement(By.id("share-add")).click();
        assertThat(dialog.findElements(By.cssSelector("#share-list li[data-user]")).stream()
                        .map(li -> li.getDomAttribute("data-user"))
                        .toList())
                .containsExactly("ana");
        dialog.findElement(By.id("share-save")).click();
        wait.until(ExpectedConditions.invisibilityOf(dialog));
        wait.until(ExpectedConditions.textToBe(By.id("workflow-shared-with"), "Shared with ana"));

        // Stored, not only painted: a fresh load reads it back from the server.
        driver.navigate().refresh();
        wait.until(ExpectedConditions.textToBe(By.id("workflow-shared-with"), "Shared with ana"));
        assertNoConsoleErrors();
    }

    @Test
    @Order(2)
    void theOwnerAddsACredentialAndSharesIt() {
        driver.get(server.url() + "/#/credentials");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("credential-name")))
                .sendKeys("Report API");
        new Select(driver.findElement(By.id("credential-type"))).selectByValue("httpHeaderAuth");
        driver.findElement(By.id("credential-field-name")).sendKeys("X-Api-Key");
        driver.findElement(By.id("credential-field-value")).sendKeys("s3cret-value");
        driver.findElement(By.id("credential-submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("credential-title"), "Report API"));
        credentialUrl = driver.getCurrentUrl();
        assertThat(driver.findElement(By.cssSelector(".main")).getText()).doesNotContain("s3cret-value");
        wait.until(ExpectedConditions.textToBe(By.id("credential-shared-with"), "Not shared with anyone."));

        driver.findElement(By.id("credential-share")).click();
        WebElement dialog = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("credential-share-dialog")));
        dialog.findElement(By.id("share-name")).sendKeys("ana");
        dialog.findElement(By.id("share-add")).click();
        dialog.findElement(By.id("share-save")).click();
        wait.until(ExpectedConditions.invisibilityOf(dialog));
        wait.until(ExpectedConditions.textToBe(By.id("credential-shared-with"), "Shared with ana"));
        assertNoConsoleErrors();
    }

    @Test
    @Order(3)
    void aShareeSeesWhatIsSharedWithoutTheControlsSheMayNotUse() {
        signIn("ana");
        driver.get(server.url() + "/#/workflows");
        WebElement row =
                wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#workflows-table tbody tr")));
        assertThat(row.getText()).contains("Team report", "owner", "shared with you");

        driver.get(workflowUrl);
        wait.until(ExpectedConditions.textToBe(By.id("workflow-title"), "Team report"));
        wait.until(ExpectedConditions.textToBe(By.id("workflow-shared-badge"), "shared with you by owner"));
        assertThat(driver.findElement(By.id("workflow-shared-with")).getText()).contains("Shared with ana");
        // A sharee views, edits, runs and exports; deleting and sharing stay with whoever manages it.
        assertThat(driver.findElements(By.id("workflow-delete"))).isEmpty();
        assertThat(driver.findElements(By.id("workflow-share"))).isEmpty();
        assertThat(driver.findElements(By.id("workflow-share-dialog"))).isEmpty();
        assertThat(driver.findElements(By.id("workflow-export"))).hasSize(1);
        assertThat(driver.findElements(By.id("canvas-save"))).hasSize(1);

        driver.get(credentialUrl);
        wait.until(ExpectedConditions.textToBe(By.id("credential-title"), "Report API"));
        wait.until(ExpectedConditions.textToBe(By.id("credential-shared-badge"), "shared with you by owner"));
        assertThat(driver.findElement(By.id("credential-use-only")).getText())
                .contains("you may use it in workflows of your own");
        assertThat(driver.findElements(By.id("credential-delete"))).isEmpty();
        assertThat(driver.findElements(By.id("credential-share"))).isEmpty();
        assertThat(driver.findElements(By.id("credential-edit"))).isEmpty();

        // Her own credential keeps every control: the ones above are hidden by the share, not missing.
        driver.get(server.url() + "/#/credentials");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("credentials-table"), "shared with you"));
        driver.findElement(By.id("credential-name")).sendKeys("Ana's key");
        new Select(driver.findElement(By.id("credential-type"))).selectByValue("httpQueryAuth");
        driver.findElement(By.id("credential-field-name")).sendKeys("key");
        driver.findElement(By.id("credential-field-value")).sendKeys("ana-value");
        driver.findElement(By.id("credential-submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("credential-title"), "Ana's key"));
        assertThat(driver.findElements(By.id("credential-delete"))).hasSize(1);
        assertThat(driver.findElements(By.id("credential-share"))).hasSize(1);
        assertThat(driver.findElements(By.id("credential-edit"))).hasSize(1);
        assertNoConsoleErrors();
    }

    @Test
    @Order(4)
    void anotherMemberFindsNeither() {
        signIn("bo");
        driver.get(workflowUrl);
        wait.until(
                ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".main .banner-error"), "Not found"));
        assertThat(driver.findElements(By.id("workflow-title"))).isEmpty();
        driver.get(credentialUrl);
        wait.until(
                ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".main .banner-error"), "Not found"));
        driver.get(server.url() + "/#/credentials");
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".main"), "No credentials yet."));
    }

    @Test
    @Order(5)
    void removingAnAccountHandsItsWorkToTheAccountChosen() {
        driver.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-username")))
                .sendKeys(OWNER);
        driver.findElement(By.id("login-password")).sendKeys(PASSWORD);
        driver.findElement(By.id("login-submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("current-user"), OWNER));
        driver.get(server.url() + "/#/settings/users");
        WebElement ana = wait.until(
                ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#users-table tr[data-user='ana']")));
        WebElement heir = ana.findElement(By.className("user-transfer-to"));
        assertThat(heir.isDisplayed()).isFalse();
        ana.findElement(By.className("user-remove")).click();
        Select choice = new Select(heir);
        assertThat(choice.getFirstSelectedOption().getText()).isEqualTo("work to " + OWNER);
        choice.selectByVisibleText("work to bo");
        ana.findElement(By.className("user-remove")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#users-table tr[data-user='ana']"), 0));

        signIn("bo");
        driver.get(server.url() + "/#/credentials");
        WebElement row = wait.until(
                ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#credentials-table tbody tr")));
        assertThat(row.getText()).contains("Ana's key", "bo").doesNotContain("shared with you");
        row.findElement(By.linkText("Ana's key")).click();
        wait.until(ExpectedConditions.textToBe(By.id("credential-title"), "Ana's key"));
        assertThat(driver.findElements(By.id("credential-delete"))).hasSize(1);
        // The owner's workflow had been shared with ana alone: its share went with her account.
        driver.get(workflowUrl);
        wait.until(
                ExpectedConditions.textToBePresentInElementLocated(By.cssSelector(".main .banner-error"), "Not found"));
    }

    private void createMember(String name) {
        driver.get(server.url() + "/#/settings/users");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("user-username")))
                .sendKeys(name);
        driver.findElement(By.id("user-password")).sendKeys(name + "'s long password");
        new Select(driver.findElement(By.id("user-role"))).selectByValue("member");
        driver.findElement(By.id("user-submit")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#users-table tr[data-user='" + name + "']")));
    }

    private void signIn(String name) {
        driver.findElement(By.id("sign-out")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-username")))
                .sendKeys(name);
        driver.findElement(By.id("login-password")).sendKeys(name + "'s long password");
        driver.findElement(By.id("login-submit")).click();
        wait.until(ExpectedConditions.textToBe(By.id("current-user"), name));
    }
}
